-- A runner's batch of log lines and outcomes, written by a few statements
-- for the whole batch instead of a few for each of its items. The item by
-- item way stays, for a batch that fails: there, one bad item still leaves
-- the others standing.

-- Writes `batch` as import.store_batch does, all or nothing, and keeps the
-- order the items came in: each line and outcome carries its place in the
-- batch, `at`, and the log rows are written in that order (an outcome's
-- own lines where the outcome stands). Raises if two outcomes are for one
-- import, which the item by item way settles one after the other.
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
        -- Conditional on the import still running for the runner, as in
        -- import.store_outcome.
        updated AS (
            UPDATE import.imports i
            SET state = o.state::import_state, summary = o.summary,
                changed = CURRENT_TIMESTAMP
            FROM outcome o
            WHERE i.id = o.target AND NOT o.drop_it
              AND i.state = 'running' AND i.runner IS NOT DISTINCT FROM o.holder
            RETURNING o.n, i.kind, i.username, i.send_email, i.data
        ),
        deleted AS (
            DELETE FROM import.imports i
            USING outcome o
            WHERE i.id = o.target AND o.drop_it
              AND i.state = 'running' AND i.runner IS NOT DISTINCT FROM o.holder
            RETURNING o.n, i.kind, i.username, i.send_email, i.data
        ),
        done AS (
            SELECT * FROM updated UNION ALL SELECT * FROM deleted
        ),
        logged AS (
            INSERT INTO import.import_logs (import_id, kind, msg)
            SELECT line.import_id, line.level::log_type, line.msg
            FROM (
                SELECT l.at, 0::bigint AS k, l.import_id, l.level, l.msg
                FROM json_to_recordset(batch -> 'lines')
                    AS l (at int, import_id bigint, level text, msg text)
                UNION ALL
                SELECT o.at, m.k, o.log_to, m.level, m.msg
                FROM done d
                JOIN outcome o ON o.n = d.n
                CROSS JOIN unnest(o.levels, o.messages) WITH ORDINALITY
                    AS m (level, msg, k)
            ) AS line
            ORDER BY line.at, line.k
        )
        SELECT o.n, o.again, o.tries, o.wait, d.n IS NOT NULL AS written,
               d.kind, d.username, d.send_email, d.data,
               count(*) OVER (PARTITION BY o.target) AS outcomes_of_target
        FROM outcome o
        LEFT JOIN done d ON d.n = o.n
        ORDER BY o.n
    LOOP
        IF ended.outcomes_of_target > 1 THEN
            RAISE EXCEPTION 'two outcomes for one import in a batch';
        END IF;
        item := ended.n;
        retry_id := NULL;
        IF ended.written AND ended.again THEN
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

-- The item by item way of 0008_batches.sql keeps its work under a name of
-- its own; import.store_batch tries the whole batch at once first.
ALTER FUNCTION import.store_batch(json) RENAME TO store_batch_item_by_item;

CREATE FUNCTION import.store_batch(batch json)
RETURNS TABLE (item bigint, retry_id bigint, failure text)
LANGUAGE plpgsql AS $$
DECLARE
    items bigint[];
    retries bigint[];
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
    EXCEPTION WHEN OTHERS THEN
        -- Lines before outcomes there: one bad item leaves the rest.
        RETURN QUERY SELECT * FROM import.store_batch_item_by_item(batch);
        RETURN;
    END;
    RETURN QUERY
        SELECT w.item, w.retry_id, NULL::text
        FROM unnest(items, retries) AS w (item, retry_id);
END $$;
