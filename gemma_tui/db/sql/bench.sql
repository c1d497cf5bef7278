-- Queries of `gemma-tui bench`, which runs in a database of its own.

-- name: create_database
CREATE DATABASE {database};

-- name: drop_database
DROP DATABASE IF EXISTS {database} WITH (FORCE);

-- name: server
SELECT current_setting('server_version'), current_user;

-- name: enqueue_many
-- As the connection's role; `kinds` names the kind of each import. The
-- first import, and every `every`-th after it, reads the clock.
INSERT INTO import.imports (kind, data)
SELECT kind,
       CASE WHEN (n - 1) %% %(every)s = 0 THEN '{"timed": true}' ELSE '{}' END
FROM unnest(%(kinds)s::text[]) WITH ORDINALITY AS k (kind, n);

-- name: enqueue_one
INSERT INTO import.imports (kind, data) VALUES (%(kind)s, '{"timed": true}')
RETURNING id;

-- name: vacuum
VACUUM ANALYZE import.imports, import.import_logs;

-- name: unsettled
SELECT count(*) FROM import.imports
WHERE kind = ANY(%(kinds)s) AND state IN ('queued', 'running');

-- name: failed
SELECT count(*) FROM import.imports
WHERE kind = ANY(%(kinds)s) AND state <> 'accepted';

-- name: runners
SELECT count(*) FROM import.runners;

-- name: job_times
-- What a bench job reads first: when it was claimed, and now, its start.
SELECT changed, clock_timestamp() FROM import.imports WHERE id = %(id)s;

-- name: runner_times
-- Per timed import of the kinds: seconds from claim to start, from
-- enqueue to start; and the span from the first claim (the first import
-- is timed) to the last finish of any.
WITH times AS (
    SELECT enqueued, changed AS finished,
           (summary::jsonb ->> 'claimed')::timestamptz AS claimed,
           (summary::jsonb ->> 'started')::timestamptz AS started
    FROM import.imports
    WHERE kind = ANY(%(kinds)s) AND id > %(after)s
),
spans AS (
    SELECT *, max(finished) OVER () - min(claimed) OVER () AS span FROM times
)
SELECT EXTRACT(EPOCH FROM started - claimed),
       EXTRACT(EPOCH FROM started - enqueued),
       EXTRACT(EPOCH FROM span)
FROM spans
WHERE started IS NOT NULL;

-- name: last_id
SELECT COALESCE(max(id), 0) FROM import.imports;

-- The bare lifecycle: the runner's SQL with no Python job around it, each
-- step committed on its own.

-- name: bare_claim
UPDATE import.imports AS i
SET state = 'running', changed = CURRENT_TIMESTAMP
FROM (
    SELECT id FROM import.imports
    WHERE state = 'queued'
      AND due <= CURRENT_TIMESTAMP
      AND kind = ANY(%(kinds)s)
    ORDER BY kind LIKE '%%#review' DESC, enqueued, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
) AS next
WHERE i.id = next.id
RETURNING i.id;

-- name: bare_log
INSERT INTO import.import_logs (import_id, kind, msg)
VALUES (%(id)s, 'info', 'bare lifecycle');

-- name: bare_finish
UPDATE import.imports
SET state = 'accepted', summary = '{}', changed = CURRENT_TIMESTAMP
WHERE id = %(id)s AND state = 'running';

-- name: state_of
SELECT state::text FROM import.imports WHERE id = %(id)s;
