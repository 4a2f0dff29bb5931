-- Reverts 0012 (restores the cleanup function of 0009).
BEGIN;
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

  -- A throttle row with no lock and no failure for a day has nothing left to enforce.
  total := 0;
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM login_throttles WHERE subject_hash IN (
      SELECT subject_hash FROM login_throttles
      WHERE last_failure_at <= p_now - interval '1 day' AND NOT hard_locked
        AND (locked_until IS NULL OR locked_until <= p_now)
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  kind := 'login_throttles'; deleted := total; RETURN NEXT;
END
$$;

DROP TABLE login_devices;
ALTER TABLE users DROP COLUMN mfa_lock_count;
DELETE FROM schema_migrations WHERE version = '0012';
COMMIT;
