-- Reverts 0017.
BEGIN;
DROP INDEX sessions_user_idx;
DROP INDEX refresh_tokens_session_idx;
DROP INDEX one_time_tokens_user_idx;
DROP INDEX mfa_factors_user_idx;
DROP INDEX trusted_devices_user_idx;
DROP INDEX user_roles_granted_by_idx;
DELETE FROM schema_migrations WHERE version = '0017';
COMMIT;
