-- Reverts 0011 (event types added by later migrations must be reverted first).
BEGIN;
ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_event_type_fkey;
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_event_type_check CHECK (event_type IN (
  'register', 'register.duplicate',
  'login.success', 'login.failure', 'login.locked', 'login.mfa_required',
  'logout', 'logout.all', 'session.revoked', 'session.rotated', 'reauth.success', 'reauth.failure',
  'token.issued', 'token.revoked', 'refresh.rotated', 'refresh.reuse_detected', 'refresh.failure',
  'password.changed', 'password.reset.requested', 'password.reset.completed',
  'email.verification.requested', 'email.verified', 'email.change.requested', 'email.changed',
  'mfa.setup', 'mfa.enrolled', 'mfa.disabled', 'mfa.success', 'mfa.failed', 'mfa.locked',
  'backup_code.used', 'backup_codes.regenerated', 'device.trusted', 'device.revoked',
  'role.changed', 'user.disabled', 'user.enabled', 'user.unlocked', 'admin.password_reset_sent',
  'authz.denied', 'csrf.rejected', 'rate_limited', 'breach_check.unavailable',
  'cron.cleanup', 'cron.daily', 'security.alerts'));
DROP TABLE audit_event_types;
DELETE FROM schema_migrations WHERE version = '0011';
COMMIT;
