-- The roles' mail addresses.

-- name: address_of
SELECT address FROM import.mail_addresses WHERE username = %(username)s;

-- name: set_address
INSERT INTO import.mail_addresses (username, address)
VALUES (%(username)s, %(address)s)
ON CONFLICT (username)
DO UPDATE SET address = EXCLUDED.address, changed = CURRENT_TIMESTAMP;

-- name: unset_address
DELETE FROM import.mail_addresses WHERE username = %(username)s;

-- name: addresses
SELECT username, address FROM import.mail_addresses ORDER BY username;
