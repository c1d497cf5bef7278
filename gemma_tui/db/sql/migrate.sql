-- Bookkeeping of the schema migrations.

-- name: lock
-- Serialises concurrent migrators; released at the end of the transaction.
SELECT pg_advisory_xact_lock(hashtext('gemma_tui.migrate'));

-- name: create_bookkeeping
CREATE SCHEMA IF NOT EXISTS gemma_tui;
CREATE TABLE IF NOT EXISTS gemma_tui.migrations (
    version int PRIMARY KEY,
    name    text NOT NULL,
    applied timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- Every role that may log in checks the schema version before it works;
-- the version says nothing secret.
GRANT USAGE ON SCHEMA gemma_tui TO PUBLIC;
GRANT SELECT ON gemma_tui.migrations TO PUBLIC;

-- name: applied
SELECT version FROM gemma_tui.migrations;

-- name: record
INSERT INTO gemma_tui.migrations (version, name)
VALUES (%(version)s, %(name)s);

-- name: has_bookkeeping
SELECT to_regclass('gemma_tui.migrations') IS NOT NULL;

-- name: newest_version
SELECT max(version) FROM gemma_tui.migrations;
