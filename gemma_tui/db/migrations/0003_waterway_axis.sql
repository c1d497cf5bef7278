-- Waterway axes of the built-in kind `wx`: one row per Natural Earth
-- object (ne_id). Staged rows carry staging_done = false until a reviewer
-- accepts their import; one published row may exist per ne_id.
--
-- There is no PostGIS here, so the line is GeoJSON (a MultiLineString of
-- WGS 84 longitude/latitude, checked by the importer) with its bounding
-- box, vertex count and length beside it for queries that read no JSON.

CREATE TABLE waterway.waterway_axis (
    id            bigserial PRIMARY KEY,
    ne_id         bigint NOT NULL,
    name          varchar,
    names         varchar[] NOT NULL,  -- every name it is known by
    feature_class varchar,             -- River, Lake Centerline, Canal
    wikidata      varchar,
    geometry      jsonb NOT NULL CHECK (
        geometry ->> 'type' = 'MultiLineString'
        AND jsonb_typeof(geometry -> 'coordinates') = 'array'
    ),
    west          double precision NOT NULL,
    south         double precision NOT NULL,
    east          double precision NOT NULL,
    north         double precision NOT NULL,
    vertices      int NOT NULL CHECK (vertices >= 2),
    length_km     double precision NOT NULL CHECK (length_km >= 0),
    staging_done  boolean NOT NULL DEFAULT false,
    CHECK (-180 <= west AND west <= east AND east <= 180),
    CHECK (-90 <= south AND south <= north AND north <= 90)
);
CREATE UNIQUE INDEX waterway_axis_published_ne_id
    ON waterway.waterway_axis (ne_id) WHERE staging_done;
CREATE INDEX waterway_axis_ne_id ON waterway.waterway_axis (ne_id);

GRANT SELECT, INSERT, UPDATE, DELETE
    ON waterway.waterway_axis TO gemma_importer;
GRANT USAGE ON SEQUENCE waterway.waterway_axis_id_seq TO gemma_importer;
