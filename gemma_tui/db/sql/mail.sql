-- The roles' mail addresses.

-- name: address_of
SELECT address FROM import.mail_addresses WHERE username = %(username)s;

-- name: set_address
-- Only for a role that exists: no row comes back for one that does not.
INSERT INTO import.mail_addresses (username, address)
SELECT %(username)s::text, %(address)s
WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = %(username)s::text)
ON CONFLICT (username)
DO UPDATE SET address = EXCLUDED.address, changed = CURRENT_TIMESTAMP
RETURNING username;

-- name: unset_address
DELETE FROM import.mail_addresses WHERE username = %(username)s;

-- name: addresses
SELECT username, address FROM import.mail_addresses ORDER BY username;
