-- Staging and publishing of the built-in kinds `gm` (gauge measurements)
-- and `st` (gauge stations).

-- name: create_incoming_measurements
CREATE TEMP TABLE incoming_measurements (
    gauge varchar, parameter varchar, unit varchar,
    measured timestamptz, value double precision
) ON COMMIT DROP;

-- name: copy_incoming_measurements
COPY incoming_measurements (gauge, parameter, unit, measured, value)
FROM STDIN;

-- name: select_fresh_measurements
-- What the published series lacks: new keys, and values where it has a
-- gap or another value. A gap never replaces a published value.
CREATE TEMP TABLE fresh_measurements ON COMMIT DROP AS
SELECT n.* FROM incoming_measurements n
WHERE NOT EXISTS (
    SELECT FROM waterway.gauge_measurements p
    WHERE p.staging_done
      AND (p.gauge, p.parameter, p.measured)
          = (n.gauge, n.parameter, n.measured)
      AND (n.value IS NULL OR p.value IS NOT DISTINCT FROM n.value)
);

-- name: count_novel_measurements
-- Fresh values that no pending import has staged already.
SELECT count(*) FROM fresh_measurements f
WHERE NOT EXISTS (
    SELECT FROM waterway.gauge_measurements s
    WHERE NOT s.staging_done
      AND (s.gauge, s.parameter, s.measured)
          = (f.gauge, f.parameter, f.measured)
      AND s.value IS NOT DISTINCT FROM f.value
);

-- name: stage_measurements
WITH staged AS (
    INSERT INTO waterway.gauge_measurements
        (gauge, parameter, unit, measured, value)
    SELECT gauge, parameter, unit, measured, value FROM fresh_measurements
    RETURNING id
)
INSERT INTO import.track_imports (import_id, relation, key)
SELECT %(id)s, 'waterway.gauge_measurements'::regclass, id FROM staged;

-- name: drop_stale_gaps
-- A gap staged before another import published a value there stays
-- unpublished.
DELETE FROM waterway.gauge_measurements s
USING import.track_imports t
WHERE t.import_id = %(id)s
  AND t.relation = 'waterway.gauge_measurements'::regclass
  AND s.id = t.key AND s.value IS NULL
  AND EXISTS (
      SELECT FROM waterway.gauge_measurements p
      WHERE p.staging_done AND p.value IS NOT NULL
        AND (p.gauge, p.parameter, p.measured)
            = (s.gauge, s.parameter, s.measured)
  );

-- name: unpublish_replaced_measurements
DELETE FROM waterway.gauge_measurements p
USING waterway.gauge_measurements s, import.track_imports t
WHERE t.import_id = %(id)s
  AND t.relation = 'waterway.gauge_measurements'::regclass
  AND s.id = t.key AND p.staging_done
  AND (p.gauge, p.parameter, p.measured) = (s.gauge, s.parameter, s.measured);

-- name: publish_measurements
UPDATE waterway.gauge_measurements SET staging_done = true
WHERE id IN (
    SELECT key FROM import.track_imports
    WHERE import_id = %(id)s
      AND relation = 'waterway.gauge_measurements'::regclass
);

-- name: create_incoming_stations
CREATE TEMP TABLE incoming_stations (
    number varchar, shortname varchar, longname varchar, water varchar,
    km double precision, longitude double precision,
    latitude double precision, agency varchar
) ON COMMIT DROP;

-- name: copy_incoming_stations
COPY incoming_stations
    (number, shortname, longname, water, km, longitude, latitude, agency)
FROM STDIN;

-- name: select_fresh_stations
-- Stations that are new or differ from their published record.
CREATE TEMP TABLE fresh_stations ON COMMIT DROP AS
SELECT n.* FROM incoming_stations n
WHERE NOT EXISTS (
    SELECT FROM waterway.gauges p
    WHERE p.staging_done AND p.number = n.number
      AND (p.shortname, p.longname, p.water, p.km, p.longitude,
           p.latitude, p.agency)
          IS NOT DISTINCT FROM
          (n.shortname, n.longname, n.water, n.km, n.longitude,
           n.latitude, n.agency)
);

-- name: count_novel_stations
SELECT count(*) FROM fresh_stations f
WHERE NOT EXISTS (
    SELECT FROM waterway.gauges s
    WHERE NOT s.staging_done AND s.number = f.number
      AND (s.shortname, s.longname, s.water, s.km, s.longitude,
           s.latitude, s.agency)
          IS NOT DISTINCT FROM
          (f.shortname, f.longname, f.water, f.km, f.longitude,
           f.latitude, f.agency)
);

-- name: stage_stations
WITH staged AS (
    INSERT INTO waterway.gauges
        (number, shortname, longname, water, km, longitude, latitude, agency)
    SELECT number, shortname, longname, water, km, longitude, latitude, agency
    FROM fresh_stations
    RETURNING id
)
INSERT INTO import.track_imports (import_id, relation, key)
SELECT %(id)s, 'waterway.gauges'::regclass, id FROM staged;

-- name: unpublish_replaced_stations
DELETE FROM waterway.gauges p
USING waterway.gauges s, import.track_imports t
WHERE t.import_id = %(id)s AND t.relation = 'waterway.gauges'::regclass
  AND s.id = t.key AND p.staging_done AND p.number = s.number;

-- name: publish_stations
UPDATE waterway.gauges SET staging_done = true
WHERE id IN (
    SELECT key FROM import.track_imports
    WHERE import_id = %(id)s AND relation = 'waterway.gauges'::regclass
);
