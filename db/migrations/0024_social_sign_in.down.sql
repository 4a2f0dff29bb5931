-- Reverts 0024. Audit rows are history and cannot be deleted (0006): an event type that
-- audit rows already use stays declared.
BEGIN;
DELETE FROM audit_event_types t WHERE NOT EXISTS (SELECT 1 FROM audit_logs a WHERE a.event_type = t.name) AND t.name IN (
  'oauth.signed_in', 'oauth.linked', 'oauth.unlinked', 'oauth.failed', 'oauth.registered');
ALTER TABLE mfa_challenges DROP COLUMN first_factor;
CREATE INDEX oauth_accounts_user_idx ON oauth_accounts (user_id);
DROP INDEX oauth_accounts_user_provider_key;
ALTER TABLE oauth_accounts DROP COLUMN last_used_at;
ALTER TABLE oauth_accounts DROP COLUMN email;
DELETE FROM schema_migrations WHERE version = '0024';
COMMIT;
