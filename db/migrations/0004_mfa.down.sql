-- Reverts 0004.
BEGIN;
DROP TABLE trusted_devices;
DROP TABLE mfa_backup_codes;
DROP TABLE mfa_factors;
DELETE FROM schema_migrations WHERE version = '0004';
COMMIT;
