-- Queries of the import queue. Each starts with a `-- name:` line;
-- gemma_tui.db.queries loads them. Parameters are psycopg's %(name)s.

-- name: current_role
SELECT current_user;

-- name: set_role
SET ROLE {role};

-- name: set_local_role
SET LOCAL ROLE {role};

-- name: reset_role
RESET ROLE;

-- name: begin
BEGIN;

-- name: clean_session
-- Drops what a job may have left in its session, as DISCARD ALL does, but
-- runs inside a transaction, which DISCARD ALL refuses, and keeps the plans
-- the server cached for the queue's own functions. Job connections prepare
-- no statements of the driver's, so none is lost behind its back.
CLOSE ALL;
RESET SESSION AUTHORIZATION;
RESET ALL;
DEALLOCATE ALL;
UNLISTEN *;
SELECT pg_advisory_unlock_all();
DISCARD TEMP;
DISCARD SEQUENCES;

-- name: commit_without_flush
-- Commits of this session return before the WAL reaches the disk; a
-- later synchronous commit flushes them with its own.
SET synchronous_commit = off;

-- name: start_job
-- Sent after `begin` and `clean_session`, in one simple query, which takes
-- no parameters: the import's id is written in as a number, and the
-- function reads the submitting role from the import's row.
SELECT import.start_job({id});

-- name: enqueue
INSERT INTO import.imports
    (kind, due, trys_left, retry_wait, username, send_email, data)
VALUES (
    %(kind)s,
    COALESCE(%(due)s, CURRENT_TIMESTAMP + %(due_in)s),
    %(tries)s,
    %(retry_wait)s,
    current_user,
    %(send_email)s,
    %(data)s
)
RETURNING id;

-- name: claim
-- See import.claim_batch: it frees the dependency locks of imports that
-- ended, then claims imports that are due and takes their locks.
SELECT id, kind, trys_left, retry_wait, username, send_email, data
FROM import.claim_batch(
    %(runner)s, %(room)s::jsonb, %(deps)s::jsonb, %(wanted)s,
    %(exclusive)s::bigint[], %(shared)s::bigint[]
);

-- name: next_due
-- Seconds until the next queued import of these kinds comes due; NULL if
-- none is waiting for its time.
SELECT EXTRACT(EPOCH FROM min(due) - CURRENT_TIMESTAMP)
FROM import.imports
WHERE state = 'queued'
  AND due > CURRENT_TIMESTAMP
  AND kind = ANY(%(kinds)s);

-- name: lock_dependencies
SELECT import.lock_dependencies(%(spec)s);

-- name: unlock_dependencies
-- Runners waiting for what was freed try again.
SELECT import.unlock_dependencies(%(exclusive)s::bigint[], %(shared)s::bigint[]),
       import.tell_freed(%(runner)s);

-- name: requeue_orphans
-- Imports left running by runners that are gone: their liveness lock is
-- free, or they never recorded themselves.
WITH requeued AS (
    UPDATE import.imports
    SET state = 'queued', changed = CURRENT_TIMESTAMP
    WHERE state = 'running'
      AND (runner IS NULL OR runner NOT IN (SELECT import.live_runners()))
    RETURNING id
)
INSERT INTO import.import_logs (import_id, kind, msg)
SELECT id, 'warn', 'Re-queued: the runner stopped while this import ran.'
FROM requeued
RETURNING import_id;

-- name: requeue_strays
-- Imports recorded as this runner's that it does not run: claims whose
-- commit went through while the connection that made them broke.
WITH requeued AS (
    UPDATE import.imports
    SET state = 'queued', changed = CURRENT_TIMESTAMP
    WHERE state = 'running'
      AND runner = %(runner)s
      AND NOT id = ANY(%(ids)s)
    RETURNING id
)
INSERT INTO import.import_logs (import_id, kind, msg)
SELECT id, 'warn', 'Re-queued: the runner lost it while claiming it.'
FROM requeued
RETURNING import_id;

-- name: forget_dead_runners
-- Runners that are gone and hold no import any more.
DELETE FROM import.runners r
WHERE r.id NOT IN (SELECT import.live_runners())
  AND NOT EXISTS (
      SELECT FROM import.imports i
      WHERE i.state = 'running' AND i.runner = r.id
  );

-- name: register_runner
-- The row and the liveness lock come in one statement, so no one sees the
-- runner before it is live.
WITH runner AS (
    INSERT INTO import.runners (host, pid) VALUES (%(host)s, %(pid)s)
    RETURNING id, started
)
SELECT id, started, import.hold_runner_lock(id) FROM runner;

-- name: register_runner_again
-- After a lost connection: the same runner, live again.
INSERT INTO import.runners AS r (id, host, pid, started)
VALUES (%(runner)s, %(host)s, %(pid)s, %(started)s)
ON CONFLICT (id) DO UPDATE SET heartbeat = CURRENT_TIMESTAMP
RETURNING import.hold_runner_lock(r.id);

-- name: heartbeat
UPDATE import.runners SET heartbeat = CURRENT_TIMESTAMP
WHERE id = %(runner)s;

-- name: unregister_runner
DELETE FROM import.runners WHERE id = %(runner)s;

-- name: log
INSERT INTO import.import_logs (import_id, kind, msg)
VALUES (%(id)s, %(level)s, %(msg)s);

-- name: store_batch
-- See import.store_batch.
SELECT item, retry_id, failure FROM import.store_batch(%(batch)s::json);

-- name: lock_for_decision
-- NO KEY: log lines written meanwhile only take a key-share lock on the
-- row, which this must not block.
SELECT state, kind FROM import.imports WHERE id = %(id)s FOR NO KEY UPDATE;

-- name: mark_reviewed
UPDATE import.imports
SET state = 'reviewed', changed = CURRENT_TIMESTAMP
WHERE id = %(id)s AND state = 'pending';

-- name: lock_reviewed
SELECT username, kind, state FROM import.imports
WHERE id = %(id)s FOR NO KEY UPDATE;

-- name: del_import
SELECT import.del_import(%(id)s);

-- name: untrack
DELETE FROM import.track_imports WHERE import_id = %(id)s;

-- name: set_decision
UPDATE import.imports
SET state = %(state)s, signer = %(signer)s, changed = CURRENT_TIMESTAMP
WHERE id = %(id)s AND state = 'reviewed';

-- name: review_state
SELECT i.state,
       EXISTS (
           SELECT FROM import.imports r
           WHERE r.id = %(review_id)s
       ) AS review_queued
FROM import.imports i
WHERE i.id = %(id)s;

-- name: imports_in_states
SELECT i.id, i.state::text, i.kind, i.username, i.signer, i.enqueued,
       i.due, i.changed, i.trys_left, i.summary,
       COALESCE(c.warnings, 0) AS warnings, COALESCE(c.errors, 0) AS errors
FROM import.imports i
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE l.kind = 'warn') AS warnings,
           count(*) FILTER (WHERE l.kind = 'error') AS errors
    FROM import.import_logs l
    WHERE l.import_id = i.id
) c ON i.state IN ('pending', 'failed', 'accepted', 'declined', 'unchanged')
-- The enum, not its text: so the index on state serves it.
WHERE i.state = ANY(%(states)s::import_state[])
ORDER BY i.id DESC
LIMIT %(limit)s;

-- name: live_imports
-- What the console watches, newest first: the states are written out as
-- they are in the index imports_live_idx (migration 0011), which holds the
-- live imports only, so reading them costs the same with a history of
-- any size. They must be imports.LIVE_STATES.
SELECT i.id, i.state::text, i.kind, i.username, i.signer, i.enqueued,
       i.due, i.changed, i.trys_left, i.summary,
       COALESCE(c.warnings, 0) AS warnings, COALESCE(c.errors, 0) AS errors
FROM import.imports i
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE l.kind = 'warn') AS warnings,
           count(*) FILTER (WHERE l.kind = 'error') AS errors
    FROM import.import_logs l
    WHERE l.import_id = i.id
) c ON i.state = 'pending'
WHERE i.state IN ('queued', 'running', 'pending', 'reviewed')
ORDER BY i.id DESC
LIMIT %(limit)s;

-- name: import_by_id
SELECT i.id, i.state::text, i.kind, i.username, i.signer, i.enqueued,
       i.due, i.changed, i.trys_left, i.summary,
       (SELECT count(*) FROM import.import_logs l
        WHERE l.import_id = i.id AND l.kind = 'warn') AS warnings,
       (SELECT count(*) FROM import.import_logs l
        WHERE l.import_id = i.id AND l.kind = 'error') AS errors,
       i.data, i.retry_wait::text, i.send_email
FROM import.imports i
WHERE i.id = %(id)s;

-- name: logs_of_import
SELECT l.seq, l.import_id, l.time, l.kind::text, l.msg
FROM import.import_logs l
WHERE l.import_id = %(id)s
ORDER BY l.time, l.seq;

-- The log stream carries each line's import's kind, user and state, so
-- that the console can filter lines of imports it does not list.

-- name: logs_after
SELECT l.seq, l.import_id, l.time, l.kind::text, l.msg,
       i.kind, i.username, i.state::text
FROM import.import_logs l
LEFT JOIN import.imports i ON i.id = l.import_id
WHERE l.seq > %(after)s
ORDER BY l.seq
LIMIT %(limit)s;

-- name: last_log_seq
SELECT COALESCE(max(seq), 0) FROM import.import_logs;

-- name: recent_logs
SELECT recent.*, i.kind, i.username, i.state::text FROM (
    SELECT l.seq, l.import_id, l.time, l.kind::text, l.msg
    FROM import.import_logs l
    ORDER BY l.seq DESC
    LIMIT %(limit)s
) recent
LEFT JOIN import.imports i ON i.id = recent.import_id
ORDER BY recent.seq;

-- name: ping
SELECT 1;

-- name: database_now
SELECT CURRENT_TIMESTAMP;

-- name: requeue_ids
-- For imports a stopping runner leaves unfinished; conditional on
-- `running` so that one finishing meanwhile keeps its outcome.
WITH requeued AS (
    UPDATE import.imports
    SET state = 'queued', changed = CURRENT_TIMESTAMP
    WHERE id = ANY(%(ids)s) AND state = 'running' AND runner = %(runner)s
    RETURNING id
)
INSERT INTO import.import_logs (import_id, kind, msg)
SELECT id, 'warn', 'Re-queued: the runner stopped before this import ended.'
FROM requeued
RETURNING import_id;

-- name: listen
LISTEN gemma_tui_imports;

-- name: listen_queued
-- What runners may claim: imports queued, or given another due time.
LISTEN gemma_tui_queued;

-- name: listen_dependencies
LISTEN gemma_tui_dependencies;

-- name: runners
-- Every registered runner: whether it is live (holds its liveness lock),
-- and the imports it runs now (the partial index on running imports'
-- runner answers that).
SELECT r.id, r.host, r.pid, r.started, r.heartbeat,
       r.id IN (SELECT import.live_runners()) AS live,
       ARRAY(SELECT i.id FROM import.imports i
             WHERE i.state = 'running' AND i.runner = r.id
             ORDER BY i.id) AS imports
FROM import.runners r
ORDER BY r.started, r.id;

-- name: retry_failed
-- A failed import queued again now, as its submitter with its data, its
-- tries and its wait; nothing if it is not failed (any more).
INSERT INTO import.imports
    (kind, due, trys_left, retry_wait, username, send_email, data)
SELECT i.kind, CURRENT_TIMESTAMP, i.trys_left, i.retry_wait, i.username,
       i.send_email, i.data
FROM import.imports i
WHERE i.id = %(id)s AND i.state = 'failed'
RETURNING id;

-- name: cancel_queued
-- The contract has no cancelled state: a queued import that will never
-- run ends `declined`, signed by whoever cancelled it (nothing was staged,
-- so there is nothing to delete). Locked by the caller first, so that a
-- runner's claim (SKIP LOCKED) passes it over.
UPDATE import.imports
SET state = 'declined', signer = current_user, changed = CURRENT_TIMESTAMP
WHERE id = %(id)s AND state = 'queued'
RETURNING id;
