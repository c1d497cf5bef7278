-- Where the outcome of an import goes when its submitter asked for mail.
-- The operator keeps this mapping (`gemma-tui email`); roles have no
-- address of their own in PostgreSQL.

CREATE TABLE import.mail_addresses (
    username varchar PRIMARY KEY,
    address  text NOT NULL
        CHECK (address ~ '^[^@[:space:]<>,;]+@[^@[:space:]<>,;]+$'),
    changed  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
