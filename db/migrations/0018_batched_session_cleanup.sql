-- 0018: session cleanup one short batch at a time. cleanup_expired_sessions_batch deletes at most
-- p_batch_size sessions (and, by cascade through refresh_tokens_session_idx from 0017, their
-- refresh tokens) and returns how many; the cron calls it repeatedly, each call its own
-- transaction, so no statement holds row locks for longer than one batch and a cancelled run
-- keeps every batch it finished. Rows are picked in index order (ORDER BY the indexed expiry,
-- LIMIT): the plan stays an index scan however many rows have expired and whatever the
-- statistics say after a mass delete, instead of an OR of three conditions whose bitmap plan
-- flipped to a sequential scan of the whole table. idle_expires_at <= absolute_expires_at
-- (sessions_expiry_order), so the idle-expiry index finds the absolutely expired rows too.
-- FOR UPDATE SKIP LOCKED: a row that a sign-in, refresh or revocation holds is left for the next
-- batch; cleanup never waits on live traffic, nor makes it wait longer than one batch.
BEGIN;

CREATE FUNCTION cleanup_expired_sessions_batch(p_now timestamptz, p_batch_size integer DEFAULT 1000)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  expired integer;
  revoked integer := 0;
BEGIN
  DELETE FROM sessions WHERE id = ANY (ARRAY(
    SELECT id FROM sessions WHERE idle_expires_at <= p_now
    ORDER BY idle_expires_at LIMIT p_batch_size FOR UPDATE SKIP LOCKED));
  GET DIAGNOSTICS expired = ROW_COUNT;
  IF expired < p_batch_size THEN
    DELETE FROM sessions WHERE id = ANY (ARRAY(
      SELECT id FROM sessions WHERE revoked_at <= p_now - interval '7 days'
      ORDER BY revoked_at LIMIT p_batch_size - expired FOR UPDATE SKIP LOCKED));
    GET DIAGNOSTICS revoked = ROW_COUNT;
  END IF;
  RETURN expired + revoked;
END
$$;

-- Same contract as in 0009 (for psql and existing callers): up to p_max_batches batches in the
-- caller's transaction. The cron uses the batch function instead, one transaction per batch.
CREATE OR REPLACE FUNCTION cleanup_expired_sessions(p_now timestamptz DEFAULT now(), p_batch_size integer DEFAULT 1000,
                                                    p_max_batches integer DEFAULT 100)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  total integer := 0;
  n integer;
BEGIN
  FOR i IN 1..p_max_batches LOOP
    n := cleanup_expired_sessions_batch(p_now, p_batch_size);
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  RETURN total;
END
$$;

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0018', 'batched_session_cleanup', '738f829aa7ff0727acdd3efa2e1e0611c5a1450ffe2a8009a8871f78861cec5a');
COMMIT;
