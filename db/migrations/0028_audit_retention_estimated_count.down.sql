-- Reverts 0028: the exact count of 0019.
BEGIN;

CREATE OR REPLACE FUNCTION audit_logs_drop_partitions(p_before timestamptz)
RETURNS TABLE (name text, rows bigint) LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET lock_timeout = '2s' AS $$
DECLARE
  cutoff timestamptz := least(p_before, now() - interval '30 days');
  part record;
BEGIN
  PERFORM audit_logs_require_privilege('DELETE');
  FOR part IN
    SELECT c.relname::text AS relname, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
    FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
    WHERE h.inhparent = 'audit_logs'::regclass AND c.relname ~ '^audit_logs_p[0-9]{6}$'
    ORDER BY c.relname
  LOOP
    CONTINUE WHEN part.upper_bound > cutoff;
    EXECUTE format('SELECT count(*) FROM %I', part.relname) INTO rows;
    EXECUTE format('ALTER TABLE audit_logs DETACH PARTITION %I', part.relname);
    EXECUTE format('DROP TABLE %I', part.relname);
    name := part.relname;
    RETURN NEXT;
  END LOOP;
END
$$;

DELETE FROM schema_migrations WHERE version = '0028';
COMMIT;
