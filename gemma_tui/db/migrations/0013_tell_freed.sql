-- Freed dependencies are told only where another runner may be waiting
-- for them. A runner alone on its database would otherwise be told of
-- every lock it frees itself, by its own listener, for nothing.

-- Tells the other runners that `runner` freed dependency locks, if there
-- are any. A runner that registers meanwhile claims once it has, and so
-- sees what was freed; at worst it waits for its next look.
CREATE FUNCTION import.tell_freed(runner int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM import.runners r WHERE r.id IS DISTINCT FROM tell_freed.runner) THEN
        PERFORM pg_notify('gemma_tui_dependencies', runner::text);
    END IF;
END $$;

-- As in 0008_batches.sql, but telling only runners there are.
CREATE OR REPLACE FUNCTION import.claim_batch(
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
        PERFORM import.tell_freed(runner);
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
