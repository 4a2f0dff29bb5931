-- Reverts 0009.
BEGIN;
DROP FUNCTION purge_audit_logs(timestamptz, integer, integer);
DROP FUNCTION purge_mail_outbox(timestamptz, integer, integer);
DROP FUNCTION cleanup_expired_tokens(timestamptz, integer, integer);
DROP FUNCTION cleanup_expired_sessions(timestamptz, integer, integer);
DELETE FROM schema_migrations WHERE version = '0009';
COMMIT;
