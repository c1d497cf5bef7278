-- What the console reads besides the live imports: one import in detail,
-- the history page by page, the recent failures. Each query reads only
-- the reference's names (no `seq`), so a database laid out like gemma's
-- stays readable. Parameters are psycopg's %(name)s.

-- name: import_detail
SELECT i.id, i.state::text, i.kind, i.username, i.signer, i.enqueued,
       i.due, i.changed, i.trys_left, i.retry_wait, i.send_email, i.data,
       i.summary,
       (SELECT count(*) FROM import.import_logs l
        WHERE l.import_id = i.id AND l.kind = 'warn') AS warnings,
       (SELECT count(*) FROM import.import_logs l
        WHERE l.import_id = i.id AND l.kind = 'error') AS errors,
       (SELECT count(*) FROM import.import_logs l
        WHERE l.import_id = i.id) AS lines
FROM import.imports i
WHERE i.id = %(id)s;

-- name: import_log_tail
-- The newest lines of one import, oldest first.
SELECT time, kind::text, msg FROM (
    SELECT l.time, l.kind, l.msg
    FROM import.import_logs l
    WHERE l.import_id = %(id)s
    ORDER BY l.time DESC
    LIMIT %(limit)s
) tail
ORDER BY time;

-- name: import_errors
-- The first error lines of one import, in full.
SELECT l.time, l.kind::text, l.msg
FROM import.import_logs l
WHERE l.import_id = %(id)s AND l.kind = 'error'
ORDER BY l.time
LIMIT %(limit)s;

-- name: retry_chain
-- A retry is written in the transaction that marks its predecessor
-- failed, with the same kind, user and data: so the predecessor's
-- `changed` equals the retry's `enqueued`. Walks both ways from one import.
WITH RECURSIVE
earlier AS (
    SELECT i.id, i.kind, i.username, i.data, i.enqueued, 0 AS depth
    FROM import.imports i WHERE i.id = %(id)s
    UNION ALL
    SELECT p.id, p.kind, p.username, p.data, p.enqueued, e.depth + 1
    FROM earlier e
    JOIN import.imports p
      ON p.state = 'failed' AND p.changed = e.enqueued AND p.id < e.id
     AND p.kind = e.kind AND p.username = e.username
     AND p.data IS NOT DISTINCT FROM e.data
    WHERE e.depth < %(depth)s
),
later AS (
    SELECT i.id, i.kind, i.username, i.data, i.changed, i.state, 0 AS depth
    FROM import.imports i WHERE i.id = %(id)s
    UNION ALL
    SELECT n.id, n.kind, n.username, n.data, n.changed, n.state, l.depth + 1
    FROM later l
    JOIN import.imports n
      ON n.enqueued = l.changed AND n.id > l.id
     AND n.kind = l.kind AND n.username = l.username
     AND n.data IS NOT DISTINCT FROM l.data
    WHERE l.state = 'failed' AND l.depth < %(depth)s
)
SELECT id FROM earlier
UNION
SELECT id FROM later
ORDER BY id;

-- name: failed_since
-- The newest imports that failed at or after `since`, with their counts.
SELECT i.id, i.state::text, i.kind, i.username, i.signer, i.enqueued,
       i.due, i.changed, i.trys_left, i.summary,
       (SELECT count(*) FROM import.import_logs l
        WHERE l.import_id = i.id AND l.kind = 'warn') AS warnings,
       (SELECT count(*) FROM import.import_logs l
        WHERE l.import_id = i.id AND l.kind = 'error') AS errors
FROM import.imports i
WHERE i.state = 'failed' AND i.changed >= %(since)s
ORDER BY i.changed DESC, i.id DESC
LIMIT %(limit)s;

-- name: failed_count_since
SELECT count(*) FROM import.imports
WHERE state = 'failed' AND changed >= %(since)s;

-- The history, newest first, a page at a time by id (keyset pagination):
-- never an OFFSET, so a page deep in a million imports costs what the
-- first one does. NULL filter terms match everything (`locking`, the
-- kinds that lock a resource, may be empty and then matches nothing);
-- `word1` to `word4` are ILIKE patterns that must all match the kind,
-- the user or the data, each a condition of its own that the trigram
-- index on that text can answer (migration 0009; ILIKE ALL of an array
-- it cannot). The
-- caller keeps server-side prepared plans off, so that each query is
-- planned with its terms (a generic plan could not use the indexes). The
-- states are cast straight from the untyped parameter: through text[]
-- the planner could not see their values, and walked the whole id index
-- for a rare state.

-- name: history_older
SELECT i.id, i.state::text, i.kind, i.username, i.signer, i.enqueued,
       i.due, i.changed
FROM import.imports i
WHERE (%(before)s::bigint IS NULL OR i.id < %(before)s)
  AND (%(states)s::import_state[] IS NULL
       OR i.state = ANY(%(states)s::import_state[]))
  AND (%(kinds)s::text[] IS NULL OR i.kind = ANY(%(kinds)s))
  AND (%(users)s::text[] IS NULL OR i.username = ANY(%(users)s))
  AND (%(ids)s::bigint[] IS NULL OR i.id = ANY(%(ids)s))
  AND (%(locking)s::text[] IS NULL OR i.kind = ANY(%(locking)s))
  AND (%(word1)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word1)s)
  AND (%(word2)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word2)s)
  AND (%(word3)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word3)s)
  AND (%(word4)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word4)s)
ORDER BY i.id DESC
LIMIT %(limit)s;

-- name: history_newer
-- Oldest first: the caller turns the page round.
SELECT i.id, i.state::text, i.kind, i.username, i.signer, i.enqueued,
       i.due, i.changed
FROM import.imports i
WHERE (%(after)s::bigint IS NULL OR i.id > %(after)s)
  AND (%(states)s::import_state[] IS NULL
       OR i.state = ANY(%(states)s::import_state[]))
  AND (%(kinds)s::text[] IS NULL OR i.kind = ANY(%(kinds)s))
  AND (%(users)s::text[] IS NULL OR i.username = ANY(%(users)s))
  AND (%(ids)s::bigint[] IS NULL OR i.id = ANY(%(ids)s))
  AND (%(locking)s::text[] IS NULL OR i.kind = ANY(%(locking)s))
  AND (%(word1)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word1)s)
  AND (%(word2)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word2)s)
  AND (%(word3)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word3)s)
  AND (%(word4)s::text IS NULL
       OR i.kind || ' ' || i.username || ' ' || COALESCE(i.data, '') ILIKE %(word4)s)
ORDER BY i.id
LIMIT %(limit)s;

-- name: history_span
-- The lowest and highest ids: two index probes, whatever the size.
SELECT (SELECT min(id) FROM import.imports),
       (SELECT max(id) FROM import.imports);

-- name: limit_statements
SELECT set_config('statement_timeout', %(milliseconds)s, false);

-- name: waiting_place
-- A queued import, the database's clock, and how many due imports come
-- before it in the claim's order (review imports first, then the oldest).
WITH me AS (
    SELECT i.id, i.due, i.enqueued, right(i.kind, 7) = '#review' AS review
    FROM import.imports i
    WHERE i.id = %(id)s AND i.state = 'queued'
)
SELECT me.due, CURRENT_TIMESTAMP,
       (SELECT count(*) FROM import.imports i
        WHERE i.state = 'queued'
          AND i.due <= CURRENT_TIMESTAMP
          AND i.id <> me.id
          AND ((right(i.kind, 7) = '#review') > me.review
               OR ((right(i.kind, 7) = '#review') = me.review
                   AND (i.enqueued, i.id) < (me.enqueued, me.id))))
FROM me;

-- name: running_kinds
-- What runs now, and since when (the claim set `changed`).
SELECT i.id, i.kind, i.changed
FROM import.imports i
WHERE i.state = 'running'
ORDER BY i.changed, i.id;
