-- Claims and bookkeeping writes in batches: a runner with several free
-- slots claims as many imports in one round trip, and a runner's log
-- lines and outcomes go to the database as many at once as are waiting.

-- Claims up to `wanted` imports for `runner`, one after the other, each
-- chosen as import.claim chooses (review imports first, then the oldest;
-- due now; of the kinds that `room` names, with the locks of their
-- dependencies taken), and at most `room ->> kind` of each kind; but
-- first releases the locks `free_x` and `free_s` of imports that ended,
-- as unlock_dependencies, and tells the other runners. JSON,
-- not arrays: the runner writes it for a fraction of the cost. An import
-- whose resources conflict
-- with those of one claimed before it in the batch is passed over with
-- its kind: the runner's session holds both sets of advisory locks, which
-- never conflict with each other.
CREATE FUNCTION import.claim_batch(
    runner int, room jsonb, deps jsonb, wanted int, free_x bigint[],
    free_s bigint[])
RETURNS SETOF import.imports
LANGUAGE plpgsql AS $$
DECLARE
    open_kinds text[] := ARRAY(SELECT jsonb_object_keys(room));
    left_room jsonb := room;
    kind_room int;
    held_x bigint[] := '{}';
    held_s bigint[] := '{}';
    claimed int := 0;
    candidate import.imports;
    spec jsonb;
    x bigint[];
    s bigint[];
BEGIN
    IF cardinality(free_x) + cardinality(free_s) > 0 THEN
        PERFORM import.unlock_dependencies(free_x, free_s);
        PERFORM pg_notify('gemma_tui_dependencies', runner::text);
    END IF;
    WHILE claimed < wanted LOOP
        SELECT * INTO candidate
        FROM import.imports i
        WHERE i.state = 'queued'
          AND i.due <= CURRENT_TIMESTAMP
          AND i.kind = ANY(open_kinds)
        ORDER BY i.kind LIKE '%#review' DESC, i.enqueued, i.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED;
        EXIT WHEN NOT FOUND;
        spec := deps -> candidate.kind;
        x := ARRAY(SELECT jsonb_array_elements_text(spec -> 'x')::bigint);
        s := ARRAY(SELECT jsonb_array_elements_text(spec -> 's')::bigint);
        -- The locks are tried only when nothing in the batch conflicts.
        IF x && held_x OR x && held_s OR s && held_x THEN
            open_kinds := array_remove(open_kinds, candidate.kind);
            CONTINUE;
        END IF;
        IF NOT import.lock_dependencies(spec) THEN
            open_kinds := array_remove(open_kinds, candidate.kind);
            CONTINUE;
        END IF;
        UPDATE import.imports i
        SET state = 'running', changed = CURRENT_TIMESTAMP,
            runner = claim_batch.runner
        WHERE i.id = candidate.id
        RETURNING i.* INTO candidate;
        RETURN NEXT candidate;
        claimed := claimed + 1;
        held_x := held_x || x;
        held_s := held_s || s;
        kind_room := (left_room ->> candidate.kind)::int - 1;
        left_room := jsonb_set(left_room, ARRAY[candidate.kind], to_jsonb(kind_room));
        -- A kind with exclusive resources conflicts with itself.
        IF kind_room < 1 OR cardinality(x) > 0 THEN
            open_kinds := array_remove(open_kinds, candidate.kind);
        END IF;
    END LOOP;
END $$;

DROP FUNCTION import.claim(int, text[], jsonb);

-- Writes what a runner's imports have to say, in one transaction: first
-- the log lines of `batch` -> 'lines', in their order, then its outcomes,
-- each as import.store_outcome writes it (one object's fields are that
-- function's arguments). An outcome that fails leaves the others standing,
-- and so does a log line. Returns a row for each outcome, `item` its
-- position and `retry_id` what import.store_outcome returned, and for each
-- line that failed, `item` minus its position; `failure` says why.
-- JSON, not arrays: the runner writes it for a fraction of the cost.
CREATE FUNCTION import.store_batch(batch json)
RETURNS TABLE (item bigint, retry_id bigint, failure text)
LANGUAGE plpgsql AS $$
DECLARE
    line record;
    outcome record;
BEGIN
    BEGIN
        INSERT INTO import.import_logs (import_id, kind, msg)
        SELECT l.import_id, l.level::log_type, l.msg
        FROM ROWS FROM (json_to_recordset(batch -> 'lines')
            AS (import_id bigint, level text, msg text))
            WITH ORDINALITY AS l (import_id, level, msg, n)
        ORDER BY l.n;
    EXCEPTION WHEN OTHERS THEN
        -- Rare: one line at a time, to keep all but the bad ones.
        FOR line IN
            SELECT * FROM ROWS FROM (json_to_recordset(batch -> 'lines')
                AS (import_id bigint, level text, msg text))
                WITH ORDINALITY AS l (import_id, level, msg, n)
            ORDER BY l.n
        LOOP
            BEGIN
                INSERT INTO import.import_logs (import_id, kind, msg)
                VALUES (line.import_id, line.level::log_type, line.msg);
            EXCEPTION WHEN OTHERS THEN
                item := -line.n;
                retry_id := NULL;
                failure := SQLERRM;
                RETURN NEXT;
            END;
        END LOOP;
    END;
    FOR outcome IN
        SELECT * FROM ROWS FROM (json_to_recordset(batch -> 'outcomes')
            AS (target bigint, holder int, drop_it boolean, state text,
                summary text, log_to bigint, levels text[], messages text[],
                again boolean, tries int, wait interval))
            WITH ORDINALITY AS o (target, holder, drop_it, state, summary,
                log_to, levels, messages, again, tries, wait, n)
        ORDER BY o.n
    LOOP
        item := outcome.n;
        failure := NULL;
        BEGIN
            retry_id := import.store_outcome(
                outcome.target, outcome.holder, outcome.drop_it,
                outcome.state, outcome.summary, outcome.log_to,
                outcome.levels, outcome.messages, outcome.again,
                outcome.tries, outcome.wait);
        EXCEPTION WHEN OTHERS THEN
            retry_id := NULL;
            failure := SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END $$;

-- Runners listen on a channel of their own, told only of what they may
-- claim: an import queued, queued again, or given another due time. The
-- claims and outcomes of a busy queue wake no runner.
CREATE OR REPLACE FUNCTION import.notify_import_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('gemma_tui_imports', OLD.id::text);
        RETURN NULL;
    END IF;
    PERFORM pg_notify('gemma_tui_imports', NEW.id::text);
    IF NEW.state = 'queued' AND (
        TG_OP = 'INSERT' OR OLD.state <> 'queued' OR OLD.due <> NEW.due
    ) THEN
        PERFORM pg_notify('gemma_tui_queued', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;
