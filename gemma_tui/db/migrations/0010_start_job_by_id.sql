-- Begins a job as import.start_job(import_id, role) does, with the
-- submitting role read from the import's own row. The runner begins a job
-- in one simple query, which takes no parameters: this way the only value
-- it writes into that query is the import's id, a number.
CREATE FUNCTION import.start_job(import_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    submitter text;
BEGIN
    SELECT i.username INTO STRICT submitter
    FROM import.imports i
    WHERE i.id = start_job.import_id;
    PERFORM import.start_job(import_id, submitter);
END $$;
