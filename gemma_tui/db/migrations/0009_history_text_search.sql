-- Words in the history's filter are looked for anywhere in an import's
-- kind, user and data (gemma_tui/db/sql/console.sql). A trigram index
-- finds rare words among a million imports without reading them all.
-- pg_trgm is a trusted extension: a database owner may create it. Where
-- it is not installed, the history still filters, by reading every row.
DO $$
DECLARE
    home text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        IF NOT EXISTS (
            SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'
        ) THEN
            RAISE NOTICE 'pg_trgm is not available; history words read every row';
            RETURN;
        END IF;
        CREATE EXTENSION pg_trgm SCHEMA import;
    END IF;
    SELECT n.nspname INTO home
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    -- The expression must be the one the history's queries filter on.
    EXECUTE format(
        'CREATE INDEX IF NOT EXISTS imports_words_idx ON import.imports'
        ' USING gin ((kind || '' '' || username || '' '' || COALESCE(data, ''''))'
        ' %I.gin_trgm_ops)',
        home
    );
END
$$;
