-- 0006: the audit log. Append-only: a trigger refuses UPDATE and TRUNCATE always, and DELETE
-- of any row younger than 30 days, whoever asks (the application's role included, even when
-- it owns the table). Retention deletes only older rows (purge_audit_logs, in 0009).
-- No foreign keys: the log outlives the accounts it talks about.
BEGIN;

CREATE TABLE audit_logs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at   timestamptz NOT NULL DEFAULT now(),
  event_type   text NOT NULL CONSTRAINT audit_logs_event_type_check CHECK (event_type IN (
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
                 'cron.cleanup', 'cron.daily', 'security.alerts')),
  result       text NOT NULL CHECK (result IN ('success', 'failure')),
  actor_id     uuid,
  target_id    uuid,
  session_id   text,
  -- SHA-256 of the normalised email an attempt named (never the email of an unknown account)
  subject_hash text CHECK (subject_hash IS NULL OR subject_hash ~ '^[0-9a-f]{64}$'),
  ip           inet,
  user_agent   text CHECK (user_agent IS NULL OR length(user_agent) <= 512),
  request_id   text CHECK (request_id IS NULL OR length(request_id) <= 64),
  details      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);

-- Newest first, for the admin search and its cursor (created_at, id).
CREATE INDEX audit_logs_created_idx ON audit_logs (created_at DESC, id DESC);
CREATE INDEX audit_logs_actor_idx ON audit_logs (actor_id, created_at DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_logs_target_idx ON audit_logs (target_id, created_at DESC) WHERE target_id IS NOT NULL;
CREATE INDEX audit_logs_event_idx ON audit_logs (event_type, created_at DESC);
CREATE INDEX audit_logs_ip_idx ON audit_logs (ip, created_at DESC) WHERE ip IS NOT NULL;
-- Detection reads recent sign-in failures by account and by IP.
CREATE INDEX audit_logs_login_failures_idx ON audit_logs (created_at DESC, subject_hash, ip)
  WHERE event_type = 'login.failure';
CREATE INDEX audit_logs_details_gin ON audit_logs USING gin (details jsonb_path_ops);

CREATE FUNCTION audit_logs_protect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '30 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_logs_no_update BEFORE UPDATE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_protect();
CREATE TRIGGER audit_logs_retention_only BEFORE DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_protect();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_protect();

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0006', 'audit_logs', '89564f29be0c91ea4df4c3765734d73040d1cb5b9e2261fb755d6363f3aa91f8');
COMMIT;
