-- Tables of the built-in import kinds. Staged rows carry
-- staging_done = false until a reviewer accepts their import; only one
-- published row may exist per key.

CREATE SCHEMA IF NOT EXISTS waterway;

CREATE TABLE waterway.gauge_measurements (
    id           bigserial PRIMARY KEY,
    gauge        varchar NOT NULL,
    parameter    varchar NOT NULL,
    unit         varchar NOT NULL,
    measured     timestamptz NOT NULL,
    value        double precision,  -- NULL is a gap in the series
    staging_done boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX gauge_measurements_published_key
    ON waterway.gauge_measurements (gauge, parameter, measured)
    WHERE staging_done;
CREATE INDEX gauge_measurements_key
    ON waterway.gauge_measurements (gauge, parameter, measured);

CREATE TABLE waterway.gauges (
    id           bigserial PRIMARY KEY,
    number       varchar NOT NULL,
    shortname    varchar NOT NULL,
    longname     varchar NOT NULL,
    water        varchar,
    km           double precision,
    longitude    double precision,
    latitude     double precision,
    agency       varchar,
    staging_done boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX gauges_published_number
    ON waterway.gauges (number) WHERE staging_done;
CREATE INDEX gauges_number ON waterway.gauges (number);

GRANT USAGE ON SCHEMA waterway TO gemma_importer;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON ALL TABLES IN SCHEMA waterway TO gemma_importer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA waterway TO gemma_importer;
