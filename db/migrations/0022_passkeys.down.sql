-- Reverts 0022. Audit rows are history and cannot be deleted (0006): an event type that
-- audit rows already use stays declared.
BEGIN;
DELETE FROM audit_event_types t WHERE NOT EXISTS (SELECT 1 FROM audit_logs a WHERE a.event_type = t.name) AND t.name IN ('passkey.registered', 'passkey.renamed', 'passkey.removed', 'passkey.failure', 'passkey.counter_regressed');
DROP TABLE webauthn_challenges;
DROP TABLE webauthn_credentials;
DELETE FROM schema_migrations WHERE version = '0022';
COMMIT;
