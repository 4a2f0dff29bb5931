-- Reverts 0008.
BEGIN;
DROP VIEW user_security_status;
DROP VIEW active_sessions;
DELETE FROM schema_migrations WHERE version = '0008';
COMMIT;
