-- Reverts 0016. Audit rows are history and cannot be deleted (0006): an event type that
-- audit rows already use stays declared.
BEGIN;
DELETE FROM audit_event_types t WHERE NOT EXISTS (SELECT 1 FROM audit_logs a WHERE a.event_type = t.name) AND t.name IN (
  'oauth.client.created', 'oauth.client.secret_rotated', 'oauth.client.disabled',
  'oauth.authorize.denied', 'oauth.code.issued', 'oauth.consent.granted', 'oauth.consent.denied',
  'oauth.consent.revoked', 'oauth.token.issued', 'oauth.token.failure', 'oauth.code.replayed',
  'oauth.token.revoked', 'oauth.logout');
UPDATE roles SET permissions = permissions - 'clients:manage' WHERE name = 'admin';
DROP INDEX sessions_oauth_client_live_idx;
ALTER TABLE sessions DROP CONSTRAINT sessions_oauth_scopes_with_client;
ALTER TABLE sessions DROP COLUMN oauth_scopes;
ALTER TABLE sessions DROP COLUMN oauth_client_id;
DROP TABLE oauth_consents;
DROP TABLE oauth_authorization_codes;
DROP TABLE oauth_clients;
DELETE FROM schema_migrations WHERE version = '0016';
COMMIT;
