-- Reverts 0018: cleanup_expired_sessions as 0009 defined it.
BEGIN;
CREATE OR REPLACE FUNCTION cleanup_expired_sessions(p_now timestamptz DEFAULT now(), p_batch_size integer DEFAULT 1000,
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

DROP FUNCTION cleanup_expired_sessions_batch(timestamptz, integer);
DELETE FROM schema_migrations WHERE version = '0018';
COMMIT;
