-- A runner's batch of log lines and outcomes, written by a few statements
-- for the whole batch instead of a few for each of its items. A batch
-- that cannot be written so is written item by item, where one bad item
-- leaves the others standing.

-- Writes `batch` as import.store_batch does, all or nothing, in the order
-- its items came: each line and outcome carries its place in the batch,
-- `at`, and the log rows are written in that order (an outcome's own
-- lines where the outcome stands). A batch without places, as runners
-- before this one send, has its lines first, then its outcomes. Raises
-- where the item by item way would settle things one after the other: two
-- outcomes for one import, or lines for an import the batch removes.
CREATE FUNCTION import.store_batch_at_once(batch json)
RETURNS TABLE (item bigint, retry_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    ended record;
BEGIN
    FOR ended IN
        WITH outcome AS (
            SELECT * FROM ROWS FROM (json_to_recordset(batch -> 'outcomes')
                AS (at int, target bigint, holder int, drop_it boolean,
                    state text, summary text, log_to bigint, levels text[],
                    messages text[], again boolean, tries int,
                    wait interval))
                WITH ORDINALITY AS o (at, target, holder, drop_it, state,
                    summary, log_to, levels, messages, again, tries, wait, n)
        ),
        line AS (
            SELECT * FROM ROWS FROM (json_to_recordset(batch -> 'lines')
                AS (at int, import_id bigint, level text, msg text))
                WITH ORDINALITY AS l (at, import_id, level, msg, n)
        ),
        -- Conditional on the import still running for the runner: a batch
        -- written again after a lost commit answer changes nothing twice.
        updated AS (
            UPDATE import.imports i
            SET state = o.state::import_state, summary = o.summary,
                changed = CURRENT_TIMESTAMP
            FROM outcome o
            WHERE i.id = o.target AND NOT coalesce(o.drop_it, false)
              AND i.state = 'running' AND i.runner IS NOT DISTINCT FROM o.holder
            RETURNING o.n, i.id, i.kind, i.username, i.send_email, i.data
        ),
        deleted AS (
            DELETE FROM import.imports i
            USING outcome o
            WHERE i.id = o.target AND coalesce(o.drop_it, false)
              AND i.state = 'running' AND i.runner IS NOT DISTINCT FROM o.holder
            RETURNING o.n, i.id, i.kind, i.username, i.send_email, i.data
        ),
        done AS (
            SELECT * FROM updated UNION ALL SELECT * FROM deleted
        ),
        written AS (
            SELECT l.at, 0 AS part, l.n AS place, 0::bigint AS k,
                   l.import_id, l.level, l.msg
            FROM line l
            UNION ALL
            SELECT o.at, 1, o.n, m.k, o.log_to, m.level, m.msg
            FROM done d
            JOIN outcome o ON o.n = d.n
            CROSS JOIN unnest(o.levels, o.messages) WITH ORDINALITY
                AS m (level, msg, k)
        ),
        logged AS (
            INSERT INTO import.import_logs (import_id, kind, msg)
            SELECT w.import_id, w.level::log_type, w.msg
            FROM written w
            ORDER BY w.at, w.part, w.place, w.k
        )
        SELECT o.n, o.again, o.tries, o.wait, d.n IS NOT NULL AS applied,
               d.kind, d.username, d.send_email, d.data,
               count(*) OVER (PARTITION BY o.target) AS outcomes_of_target,
               EXISTS (
                   SELECT FROM deleted x
                   JOIN written w ON w.import_id = x.id
               ) AS logs_to_removed
        FROM outcome o
        LEFT JOIN done d ON d.n = o.n
        ORDER BY o.n
    LOOP
        IF ended.outcomes_of_target > 1 THEN
            RAISE EXCEPTION 'two outcomes for one import in a batch';
        END IF;
        IF ended.logs_to_removed THEN
            RAISE EXCEPTION 'log lines for an import the batch removes';
        END IF;
        item := ended.n;
        retry_id := NULL;
        IF ended.applied AND ended.again THEN
            INSERT INTO import.imports
                (kind, due, trys_left, retry_wait, username, send_email, data)
            VALUES (ended.kind, CURRENT_TIMESTAMP + COALESCE(ended.wait, '0'),
                    ended.tries, ended.wait, ended.username, ended.send_email,
                    ended.data)
            RETURNING id INTO retry_id;
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;

-- Returns what 0008_batches.sql's version returned: a row for each
-- outcome, `item` its place among the outcomes, and one for each line
-- that failed, `item` minus its place among the lines; `failure` says
-- why. Tries the whole batch at once first; if that fails, writes each
-- item on its own, in the order they came.
CREATE OR REPLACE FUNCTION import.store_batch(batch json)
RETURNS TABLE (item bigint, retry_id bigint, failure text)
LANGUAGE plpgsql AS $$
DECLARE
    items bigint[];
    retries bigint[];
    one record;
BEGIN
    -- Only outcomes wait for the disk (see gemma_tui.queue.execution).
    IF json_array_length(batch -> 'outcomes') > 0 THEN
        PERFORM set_config('synchronous_commit', 'on', true);
    END IF;
    BEGIN
        SELECT coalesce(array_agg(s.item ORDER BY s.item), '{}'),
               coalesce(array_agg(s.retry_id ORDER BY s.item), '{}')
        INTO items, retries
        FROM import.store_batch_at_once(batch) AS s;
        RETURN QUERY
            SELECT w.item, w.retry_id, NULL::text
            FROM unnest(items, retries) AS w (item, retry_id);
        RETURN;
    EXCEPTION WHEN OTHERS THEN
        NULL;  -- item by item, below
    END;
    FOR one IN
        SELECT * FROM (
            SELECT (l.value ->> 'at')::int AS at, 0 AS part, l.n,
                   json_build_object('lines', json_build_array(l.value),
                                     'outcomes', '[]'::json) AS alone
            FROM json_array_elements(batch -> 'lines')
                WITH ORDINALITY AS l (value, n)
            UNION ALL
            SELECT (o.value ->> 'at')::int, 1, o.n,
                   json_build_object('lines', '[]'::json,
                                     'outcomes', json_build_array(o.value))
            FROM json_array_elements(batch -> 'outcomes')
                WITH ORDINALITY AS o (value, n)
        ) AS items
        ORDER BY items.at, items.part, items.n
    LOOP
        BEGIN
            SELECT s.retry_id INTO retry_id
            FROM import.store_batch_at_once(one.alone) AS s;
            IF one.part = 1 THEN
                item := one.n;
                failure := NULL;
                RETURN NEXT;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            item := CASE one.part WHEN 1 THEN one.n ELSE -one.n END;
            retry_id := NULL;
            failure := SQLERRM;
            RETURN NEXT;
        END;
    END LOOP;
END $$;

-- Nothing calls it any more: import.store_batch_at_once does its work.
DROP FUNCTION import.store_outcome(
    bigint, int, boolean, text, text, bigint, text[], text[], boolean, int,
    interval);
