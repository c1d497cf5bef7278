-- Staging and publishing of the built-in kind `wx` (waterway axes).

-- name: create_incoming_axes
CREATE TEMP TABLE incoming_axes (
    ne_id bigint, name varchar, names varchar[], feature_class varchar,
    wikidata varchar, geometry jsonb, west double precision,
    south double precision, east double precision, north double precision,
    vertices int, length_km double precision
) ON COMMIT DROP;

-- name: copy_incoming_axes
COPY incoming_axes (
    ne_id, name, names, feature_class, wikidata, geometry,
    west, south, east, north, vertices, length_km
) FROM STDIN;

-- name: select_fresh_axes
-- Axes that are new or differ from their published record. The box,
-- vertex count and length follow from the geometry.
CREATE TEMP TABLE fresh_axes ON COMMIT DROP AS
SELECT n.* FROM incoming_axes n
WHERE NOT EXISTS (
    SELECT FROM waterway.waterway_axis p
    WHERE p.staging_done AND p.ne_id = n.ne_id
      AND (p.name, p.names, p.feature_class, p.wikidata, p.geometry)
          IS NOT DISTINCT FROM
          (n.name, n.names, n.feature_class, n.wikidata, n.geometry)
);

-- name: count_novel_axes
-- Fresh axes that no pending import has staged already.
SELECT count(*) FROM fresh_axes f
WHERE NOT EXISTS (
    SELECT FROM waterway.waterway_axis s
    WHERE NOT s.staging_done AND s.ne_id = f.ne_id
      AND (s.name, s.names, s.feature_class, s.wikidata, s.geometry)
          IS NOT DISTINCT FROM
          (f.name, f.names, f.feature_class, f.wikidata, f.geometry)
);

-- name: stage_axes
WITH staged AS (
    INSERT INTO waterway.waterway_axis (
        ne_id, name, names, feature_class, wikidata, geometry,
        west, south, east, north, vertices, length_km
    )
    SELECT ne_id, name, names, feature_class, wikidata, geometry,
           west, south, east, north, vertices, length_km
    FROM fresh_axes
    RETURNING id
)
INSERT INTO import.track_imports (import_id, relation, key)
SELECT %(id)s, 'waterway.waterway_axis'::regclass, id FROM staged;

-- name: unpublish_replaced_axes
DELETE FROM waterway.waterway_axis p
USING waterway.waterway_axis s, import.track_imports t
WHERE t.import_id = %(id)s
  AND t.relation = 'waterway.waterway_axis'::regclass
  AND s.id = t.key AND p.staging_done AND p.ne_id = s.ne_id;

-- name: publish_axes
UPDATE waterway.waterway_axis SET staging_done = true
WHERE id IN (
    SELECT key FROM import.track_imports
    WHERE import_id = %(id)s
      AND relation = 'waterway.waterway_axis'::regclass
);
