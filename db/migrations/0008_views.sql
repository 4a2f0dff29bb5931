-- 0008: operator views. active_sessions: sessions that are neither revoked nor expired now,
-- of active, undeleted accounts (exactly the sessions authentication would accept).
-- user_security_status: one row per live account with everything a support person needs to
-- judge its security state (lock, failures, MFA, sessions, roles), and no secret.
BEGIN;

CREATE VIEW active_sessions AS
SELECT s.id, s.user_id, u.email, s.aal, s.amr, s.created_at, s.last_activity_at,
       s.idle_expires_at, s.absolute_expires_at, s.ip, s.user_agent
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.revoked_at IS NULL
  AND s.idle_expires_at > now()
  AND s.absolute_expires_at > now()
  AND u.status = 'active'
  AND u.deleted_at IS NULL;

CREATE VIEW user_security_status AS
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
       u.created_at
FROM users u
LEFT JOIN login_throttles t ON t.subject_hash = encode(sha256(convert_to(lower(u.email::text), 'UTF8')), 'hex')
WHERE u.deleted_at IS NULL;

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0008', 'views', '273ea436a15e92ed11b279f1e708d1c37c127d30f31e69d4812673d54a9a264f');
COMMIT;
