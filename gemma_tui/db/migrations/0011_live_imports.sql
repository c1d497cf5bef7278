-- The imports the console watches (queued, running, pending, reviewed),
-- newest first: an index of those rows alone, so that each refresh reads
-- the same few pages whether the history holds a thousand imports or a
-- million, and no dead entries of imports long finished.
CREATE INDEX IF NOT EXISTS imports_live_idx ON import.imports (id)
    WHERE state IN ('queued', 'running', 'pending', 'reviewed');
