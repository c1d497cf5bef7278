-- Queries of the demo.

-- name: create_roles
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'demo_importer') THEN
        CREATE ROLE demo_importer NOLOGIN IN ROLE gemma_importer;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'demo_reviewer') THEN
        CREATE ROLE demo_reviewer NOLOGIN IN ROLE gemma_reviewer;
    END IF;
END $$;

-- name: has_imports
SELECT EXISTS (SELECT FROM import.imports);
