-- Reverts 0010.
BEGIN;
DROP FUNCTION security_refresh_reuse(timestamptz);
DROP FUNCTION security_account_many_ips(timestamptz, integer);
DROP FUNCTION security_credential_stuffing(timestamptz, integer);
DROP FUNCTION security_brute_force(timestamptz, integer);
DELETE FROM schema_migrations WHERE version = '0010';
COMMIT;
