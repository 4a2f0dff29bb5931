-- 0009: cleanup for the cron routes. Each function deletes in batches of p_batch_size rows
-- picked with FOR UPDATE SKIP LOCKED (a row another transaction holds is left for the next run,
-- so cleanup never waits on, or blocks, live traffic) and returns how many rows it removed.
-- Enforcement never depends on cleanup: every read checks expiry itself.
BEGIN;

CREATE FUNCTION cleanup_expired_sessions(p_now timestamptz DEFAULT now(), p_batch_size integer DEFAULT 1000,
                                         p_max_batches integer DEFAULT 100)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  total integer := 0;
  n integer;
BEGIN
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM sessions s
    WHERE s.id IN (
      SELECT id FROM sessions
      WHERE absolute_expires_at <= p_now
         OR idle_expires_at <= p_now
         OR revoked_at <= p_now - interval '7 days'
      LIMIT p_batch_size
      FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  RETURN total;
END
$$;

-- Spent or expired one-time tokens, MFA challenges and trusted devices, and stale counters.
CREATE FUNCTION cleanup_expired_tokens(p_now timestamptz DEFAULT now(), p_batch_size integer DEFAULT 1000,
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

CREATE FUNCTION purge_mail_outbox(p_before timestamptz, p_batch_size integer DEFAULT 1000, p_max_batches integer DEFAULT 100)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  total integer := 0;
  n integer;
BEGIN
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM mail_outbox WHERE id IN (
      SELECT id FROM mail_outbox WHERE created_at < p_before
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  RETURN total;
END
$$;

-- Audit retention. The append-only trigger refuses to delete rows younger than 30 days (by the
-- database clock), so the cutoff is capped there: a p_before from a clock ahead of the
-- database's (or a retention under 30 days) deletes less, instead of failing the whole job.
CREATE FUNCTION purge_audit_logs(p_before timestamptz, p_batch_size integer DEFAULT 1000, p_max_batches integer DEFAULT 100)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  total integer := 0;
  n integer;
  cutoff timestamptz := least(p_before, now() - interval '30 days');
BEGIN
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM audit_logs WHERE id IN (
      SELECT id FROM audit_logs WHERE created_at < cutoff
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  RETURN total;
END
$$;

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0009', 'maintenance_functions', '0e43c81d047045d765d3168b9a3fad2dfc116d91a48737a8549e40ade5bcdffe');
COMMIT;
