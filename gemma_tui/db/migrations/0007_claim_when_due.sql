-- An import starts no earlier than its due time: the claim takes only
-- imports that are due now, and an idle runner sleeps until the next one
-- comes due (the `next_due` query) instead of taking it early.
CREATE OR REPLACE FUNCTION import.claim(runner int, kinds text[], deps jsonb)
RETURNS SETOF import.imports
LANGUAGE plpgsql AS $$
DECLARE
    open_kinds text[] := kinds;
    candidate import.imports;
BEGIN
    LOOP
        SELECT * INTO candidate
        FROM import.imports i
        WHERE i.state = 'queued'
          AND i.due <= CURRENT_TIMESTAMP
          AND i.kind = ANY(open_kinds)
        ORDER BY i.kind LIKE '%#review' DESC, i.enqueued, i.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            RETURN;
        END IF;
        IF import.lock_dependencies(deps -> candidate.kind) THEN
            RETURN QUERY
            UPDATE import.imports i
            SET state = 'running', changed = CURRENT_TIMESTAMP,
                runner = claim.runner
            WHERE i.id = candidate.id
            RETURNING i.*;
            RETURN;
        END IF;
        open_kinds := array_remove(open_kinds, candidate.kind);
    END LOOP;
END $$;
