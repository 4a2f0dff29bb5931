-- Reverts 0013.
BEGIN;
DROP FUNCTION redact_mail_body(text);
DROP INDEX mail_outbox_due_idx;
ALTER TABLE mail_outbox DROP COLUMN next_attempt_at, DROP COLUMN attempts;
DELETE FROM schema_migrations WHERE version = '0013';
COMMIT;
