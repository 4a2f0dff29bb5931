-- Reverts 0020. The `user` role grants made by 0020 and by registration stay (a grant of a role
-- with no permission changes nothing); audit rows of the role.* types must be gone first.
BEGIN;
DELETE FROM audit_event_types WHERE name IN ('role.created', 'role.updated', 'role.deleted');
DROP INDEX audit_logs_session_idx;
DROP VIEW user_security_status;
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
DROP INDEX users_last_login_idx;
ALTER TABLE users DROP COLUMN last_login_at;
ALTER TABLE roles DROP COLUMN require_mfa;
DELETE FROM schema_migrations WHERE version = '0020';
COMMIT;
