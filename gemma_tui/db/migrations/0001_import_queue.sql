-- The import queue's schema. Names and types follow the layout of gemma's
-- import queue so that the console can attach to such a database.

CREATE SCHEMA IF NOT EXISTS import;

DO $$
BEGIN
    CREATE TYPE import_state AS ENUM (
        'queued', 'running', 'failed', 'unchanged',
        'pending', 'accepted', 'declined', 'reviewed'
    );
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

DO $$
BEGIN
    CREATE TYPE log_type AS ENUM ('info', 'warn', 'error');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE import.imports (
    id         bigserial PRIMARY KEY,
    state      import_state NOT NULL DEFAULT 'queued',
    kind       varchar NOT NULL,
    enqueued   timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    due        timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    changed    timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    trys_left  int,
    retry_wait interval,
    username   varchar NOT NULL DEFAULT current_user,
    signer     varchar,
    send_email boolean NOT NULL DEFAULT false,
    data       text,
    summary    text
);

-- The claim reads only queued rows in enqueue order.
CREATE INDEX imports_queued_idx ON import.imports (enqueued, id)
    WHERE state = 'queued';
CREATE INDEX imports_state_idx ON import.imports (state);

CREATE TABLE import.import_logs (
    import_id bigint NOT NULL
        REFERENCES import.imports (id) ON DELETE CASCADE,
    time      timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind      log_type NOT NULL DEFAULT 'info',
    msg       text NOT NULL
);
CREATE INDEX import_logs_import_idx ON import.import_logs (import_id, time);

-- The console follows the log stream by this column; a database laid out
-- like gemma's lacks it, which only costs that console the live stream.
ALTER TABLE import.import_logs ADD COLUMN seq bigserial;
CREATE UNIQUE INDEX import_logs_seq_idx ON import.import_logs (seq);

-- Which staged rows belong to which import: `relation` names the staging
-- table, `key` the row's id there.
CREATE TABLE import.track_imports (
    import_id bigint NOT NULL
        REFERENCES import.imports (id) ON DELETE CASCADE,
    relation  regclass NOT NULL,
    key       bigint NOT NULL,
    PRIMARY KEY (relation, key)
);
CREATE INDEX track_imports_import_idx ON import.track_imports (import_id);

-- Deletes every staged row of one import, in whatever table it lies.
-- Runs with the caller's rights, so a role can delete only what it may.
CREATE FUNCTION import.del_import(import_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN
        SELECT DISTINCT t.relation FROM import.track_imports t
        WHERE t.import_id = del_import.import_id
    LOOP
        EXECUTE format(
            'DELETE FROM %s WHERE id IN (SELECT key FROM import.track_imports'
            ' WHERE import_id = $1 AND relation = $2)', rel)
        USING del_import.import_id, rel;
    END LOOP;
END $$;

-- Every change to an import or a new log line wakes listeners (idle
-- runners, consoles). Payloads carry ids only.
CREATE FUNCTION import.notify_import_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('gemma_tui_imports', OLD.id::text);
    ELSE
        PERFORM pg_notify('gemma_tui_imports', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER imports_notify
    AFTER INSERT OR UPDATE OR DELETE ON import.imports
    FOR EACH ROW EXECUTE FUNCTION import.notify_import_changed();

CREATE FUNCTION import.notify_import_logged() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gemma_tui_logs', NEW.import_id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER import_logs_notify
    AFTER INSERT ON import.import_logs
    FOR EACH ROW EXECUTE FUNCTION import.notify_import_logged();

-- Group roles: members of gemma_importer may enqueue and stage imports,
-- members of gemma_reviewer may also decide them.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gemma_importer') THEN
        CREATE ROLE gemma_importer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gemma_reviewer') THEN
        CREATE ROLE gemma_reviewer NOLOGIN IN ROLE gemma_importer;
    END IF;
END $$;

GRANT USAGE ON SCHEMA import TO gemma_importer;
GRANT SELECT, INSERT ON import.imports, import.import_logs TO gemma_importer;
GRANT SELECT, INSERT, DELETE ON import.track_imports TO gemma_importer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA import TO gemma_importer;
GRANT EXECUTE ON FUNCTION import.del_import(bigint) TO gemma_importer;
GRANT UPDATE ON import.imports TO gemma_reviewer;
