-- Reverts 0025. Audit rows are history and cannot be deleted (0006): an event type that audit
-- rows already use stays declared. Challenges of a code sign-in are voided before the CHECK
-- narrows again (they are a few minutes long; the user signs in again).
BEGIN;
DELETE FROM audit_event_types t WHERE NOT EXISTS (SELECT 1 FROM audit_logs a WHERE a.event_type = t.name) AND t.name IN (
  'email_code.requested', 'email_code.failure', 'email_code.signed_in');
DELETE FROM mfa_challenges WHERE first_factor = 'email';
ALTER TABLE mfa_challenges DROP CONSTRAINT mfa_challenges_first_factor_check;
ALTER TABLE mfa_challenges ADD CONSTRAINT mfa_challenges_first_factor_check CHECK (first_factor IN ('pwd', 'fed'));
DROP FUNCTION cleanup_email_sign_in_codes(timestamptz, integer, integer);
DROP TABLE email_sign_in_codes;
DELETE FROM schema_migrations WHERE version = '0025';
COMMIT;
