-- Reverts 0012.
BEGIN;
ALTER TABLE users DROP COLUMN mfa_lock_count;
DELETE FROM schema_migrations WHERE version = '0012';
COMMIT;
