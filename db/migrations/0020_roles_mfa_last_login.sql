-- 0020: MFA required by role, role management, last sign-in, session activity (issue 17).
-- roles.require_mfa: a role whose permissions are usable only from an aal2 session (seeded true
-- for admin and support). users.last_login_at: set at every successful sign-in, indexed for
-- "who has not signed in since" and shown in user_security_status (column appended, so the
-- view is replaced in place). audit_logs_session_idx: a session's security events, newest first
-- (its partitions' copies renamed <partition>_session_idx, as audit_logs_adopt_partition does).
-- Every live account gets the seeded `user` role, which registration now grants.
BEGIN;

ALTER TABLE roles ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;
UPDATE roles SET require_mfa = true WHERE name IN ('admin', 'support');

ALTER TABLE users ADD COLUMN last_login_at timestamptz;
CREATE INDEX users_last_login_idx ON users (last_login_at DESC NULLS LAST);

INSERT INTO user_roles (user_id, role_id)
SELECT u.id, r.id FROM users u CROSS JOIN roles r
WHERE r.name = 'user' AND u.deleted_at IS NULL
ON CONFLICT DO NOTHING;

CREATE OR REPLACE VIEW user_security_status AS
SELECT u.id AS user_id,
       u.email,
       u.status,
       u.email_verified_at IS NOT NULL AS email_verified,
       u.password_changed_at,
       COALESCE(t.failures, 0) AS failed_login_count,
       COALESCE(t.total_failures, 0) AS total_failed_logins,
       t.locked_until,
       COALESCE(t.hard_locked, false) AS hard_locked,
       COALESCE(t.hard_locked OR t.locked_until > now(), false) AS locked,
       u.mfa_failed_count,
       u.mfa_locked_until,
       EXISTS (SELECT 1 FROM mfa_factors f WHERE f.user_id = u.id AND f.status = 'active') AS mfa_enabled,
       (SELECT count(*) FROM mfa_backup_codes b WHERE b.user_id = u.id AND b.used_at IS NULL)::int AS backup_codes_left,
       (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL
          AND s.idle_expires_at > now() AND s.absolute_expires_at > now())::int AS active_session_count,
       (SELECT count(*) FROM trusted_devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL AND d.expires_at > now())::int AS trusted_device_count,
       (SELECT max(s.last_activity_at) FROM sessions s WHERE s.user_id = u.id) AS last_seen_at,
       COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                 WHERE ur.user_id = u.id), '{}') AS roles,
       u.created_at,
       u.last_login_at
FROM users u
LEFT JOIN login_throttles t ON t.subject_hash = encode(sha256(convert_to(lower(u.email::text), 'UTF8')), 'hex')
WHERE u.deleted_at IS NULL;

CREATE INDEX audit_logs_session_idx ON audit_logs (session_id, created_at DESC, id DESC) WHERE session_id IS NOT NULL;
DO $$
DECLARE
  idx record;
BEGIN
  FOR idx IN
    SELECT c.relname AS child, t.relname AS part
    FROM pg_inherits h
    JOIN pg_class c ON c.oid = h.inhrelid
    JOIN pg_index i ON i.indexrelid = c.oid
    JOIN pg_class t ON t.oid = i.indrelid
    WHERE h.inhparent = 'audit_logs_session_idx'::regclass
  LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.child, idx.part || '_session_idx');
  END LOOP;
END
$$;

INSERT INTO audit_event_types (name) VALUES ('role.created'), ('role.updated'), ('role.deleted');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0020', 'roles_mfa_last_login', '0a6582a8134ef0e41892a5732f5b3b89d21860c1dacd714d0919947776fe0968');
COMMIT;
