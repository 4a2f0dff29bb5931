-- Reverts 0027.
BEGIN;
CREATE INDEX sessions_absolute_expiry_idx ON sessions (absolute_expires_at);
CREATE INDEX audit_logs_details_gin ON audit_logs USING gin (details jsonb_path_ops);
DROP INDEX audit_logs_revoked_session_idx;
DELETE FROM schema_migrations WHERE version = '0027';
COMMIT;
