-- 0011: audit event types as rows, not a CHECK list. New features add their event types with
-- an INSERT in their own migration (additive, so parallel features never rewrite one shared
-- list); the foreign key still refuses any event type nobody declared.
BEGIN;

CREATE TABLE audit_event_types (
  name text PRIMARY KEY CHECK (name ~ '^[a-z_]+(\.[a-z_]+)*$')
);

INSERT INTO audit_event_types (name) VALUES
  ('register'), ('register.duplicate'),
  ('login.success'), ('login.failure'), ('login.locked'), ('login.mfa_required'),
  ('logout'), ('logout.all'), ('session.revoked'), ('session.rotated'), ('reauth.success'), ('reauth.failure'),
  ('token.issued'), ('token.revoked'), ('refresh.rotated'), ('refresh.reuse_detected'), ('refresh.failure'),
  ('password.changed'), ('password.reset.requested'), ('password.reset.completed'),
  ('email.verification.requested'), ('email.verified'), ('email.change.requested'), ('email.changed'),
  ('mfa.setup'), ('mfa.enrolled'), ('mfa.disabled'), ('mfa.success'), ('mfa.failed'), ('mfa.locked'),
  ('backup_code.used'), ('backup_codes.regenerated'), ('device.trusted'), ('device.revoked'),
  ('role.changed'), ('user.disabled'), ('user.enabled'), ('user.unlocked'), ('admin.password_reset_sent'),
  ('authz.denied'), ('csrf.rejected'), ('rate_limited'), ('breach_check.unavailable'),
  ('cron.cleanup'), ('cron.daily'), ('security.alerts');

ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_event_type_check;
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_event_type_fkey
  FOREIGN KEY (event_type) REFERENCES audit_event_types (name);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0011', 'audit_event_types', '9b730904c468762348e33a07d7a0131196fd948797f439bd5eeebcc282cf4717');
COMMIT;
