-- 0012: lockout that escalates and cannot be turned against the owner (issue 10, items 4 and 14).
-- users.mfa_lock_count: consecutive second-factor blocks without a success; each block lasts
-- MFA_LOCK_SECONDS * 2^(blocks so far), capped at MFA_LOCK_MAX_SECONDS, so guessing the
-- second factor slows down instead of restarting every 15 minutes forever.
-- login_devices: OWASP's device cookies. A browser that signed in with the right password
-- holds "id.secret" (only SHA-256 of the secret stored, bound to the email's subject hash);
-- its attempts use its own small failure budget instead of the email's lock, so strangers'
-- failures cannot lock the owner out.
-- cleanup_expired_tokens: keeps a throttle row (its failure total toward the hard lock) 30
-- days after the last failure instead of 1, and deletes expired login devices.
BEGIN;

ALTER TABLE users ADD COLUMN mfa_lock_count integer NOT NULL DEFAULT 0 CHECK (mfa_lock_count >= 0);

CREATE TABLE login_devices (
  id               text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
  subject_hash     text NOT NULL CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
  secret_hash      text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  failures         integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  created_at       timestamptz NOT NULL,
  last_success_at  timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  CONSTRAINT login_devices_expiry_order CHECK (expires_at > created_at)
);
-- The daily cleanup deletes expired devices.
CREATE INDEX login_devices_expiry_idx ON login_devices (expires_at);

CREATE OR REPLACE FUNCTION cleanup_expired_tokens(p_now timestamptz DEFAULT now(), p_batch_size integer DEFAULT 1000,
                                       p_max_batches integer DEFAULT 100)
RETURNS TABLE (kind text, deleted integer) LANGUAGE plpgsql AS $$
DECLARE
  n integer;
  total integer;
BEGIN
  total := 0;
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM one_time_tokens WHERE id IN (
      SELECT id FROM one_time_tokens
      WHERE expires_at <= p_now OR used_at <= p_now - interval '1 day'
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  kind := 'one_time_tokens'; deleted := total; RETURN NEXT;

  total := 0;
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM mfa_challenges WHERE id IN (
      SELECT id FROM mfa_challenges WHERE expires_at <= p_now
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  kind := 'mfa_challenges'; deleted := total; RETURN NEXT;

  total := 0;
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM trusted_devices WHERE id IN (
      SELECT id FROM trusted_devices
      WHERE expires_at <= p_now OR revoked_at <= p_now - interval '1 day'
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  kind := 'trusted_devices'; deleted := total; RETURN NEXT;

  total := 0;
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM rate_limits WHERE key IN (
      SELECT key FROM rate_limits WHERE expires_at <= p_now
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  kind := 'rate_limits'; deleted := total; RETURN NEXT;

  -- A throttle row keeps the failure total toward the hard lock for 30 days after its last
  -- failure (forgetting it after a day let 99 guesses a day run forever under the cap of 100).
  total := 0;
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM login_throttles WHERE subject_hash IN (
      SELECT subject_hash FROM login_throttles
      WHERE last_failure_at <= p_now - interval '30 days' AND NOT hard_locked
        AND (locked_until IS NULL OR locked_until <= p_now)
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  kind := 'login_throttles'; deleted := total; RETURN NEXT;

  total := 0;
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM login_devices WHERE id IN (
      SELECT id FROM login_devices WHERE expires_at <= p_now
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  kind := 'login_devices'; deleted := total; RETURN NEXT;
END
$$;

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0012', 'lockout', 'f15cde3ac0a58f8aab03f3934aeea6bbad03429f594d288050f9470e75032483');
COMMIT;
