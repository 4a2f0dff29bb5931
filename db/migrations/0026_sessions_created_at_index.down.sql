-- Reverts 0026.
BEGIN;
DROP INDEX sessions_created_at_idx;
DELETE FROM schema_migrations WHERE version = '0026';
COMMIT;
