-- 0012: lockout that escalates and cannot be turned against the owner (issue 10, items 4 and 14).
-- users.mfa_lock_count: consecutive second-factor blocks without a success; each block lasts
-- MFA_LOCK_SECONDS * 2^(blocks so far), capped at MFA_LOCK_MAX_SECONDS, so guessing the
-- second factor slows down instead of restarting every 15 minutes forever.
BEGIN;

ALTER TABLE users ADD COLUMN mfa_lock_count integer NOT NULL DEFAULT 0 CHECK (mfa_lock_count >= 0);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0012', 'lockout', 'd1347fbbe456a36eaf1dfa48d24eff464be5b217ab5bc1c1fce647349276afc9');
COMMIT;
