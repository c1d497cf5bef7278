-- Indexes for what the console reads (gemma_tui/db/sql/console.sql).

-- A retry's predecessor: the failed import whose `changed` is the retry's
-- `enqueued`. Also the recent failures, newest first.
CREATE INDEX IF NOT EXISTS imports_failed_changed_idx
    ON import.imports (changed) WHERE state = 'failed';

-- A failed import's retry: the import enqueued when it failed.
CREATE INDEX IF NOT EXISTS imports_enqueued_idx ON import.imports (enqueued);

-- The history filtered by one state, kind or user, newest first.
CREATE INDEX IF NOT EXISTS imports_state_id_idx ON import.imports (state, id);
CREATE INDEX IF NOT EXISTS imports_kind_id_idx ON import.imports (kind, id);
CREATE INDEX IF NOT EXISTS imports_username_id_idx
    ON import.imports (username, id);
