-- Reverts 0006 (dropping the table is allowed: the triggers guard rows, not the table).
BEGIN;
DROP TABLE audit_logs;
DROP FUNCTION audit_logs_protect();
DELETE FROM schema_migrations WHERE version = '0006';
COMMIT;
