-- 0019: audit_logs partitioned by month (declarative range partitioning on created_at, UTC
-- months), so retention drops whole months instead of deleting rows one by one, and each month's
-- indexes stay the size of one month.
--   audit_logs_pYYYYMM   one partition per month; audit_logs_create_partitions(now, n) creates
--                        the current and the next n months (the daily cron keeps 3 ahead)
--   audit_logs_default   catches any row outside every monthly partition (a clock far ahead, a
--                        backdated import): an insert never fails for want of a partition.
--                        A month whose rows already sit in the default partition is not created
--                        (its rows stay queryable there); retention deletes old default rows.
--   audit_logs_drop_partitions(before) detaches and drops every monthly partition that lies
--                        wholly before min(before, now() - 30 days), and returns each one's row
--                        count; purge_audit_logs_default(before, ...) deletes old rows left in
--                        the default partition, in batches.
-- Everything 0006, 0010 and 0011 built is kept: the same columns and identity, the foreign key
-- to audit_event_types, the indexes (each partition's index is named after the parent's, e.g.
-- audit_logs_p203101_login_failures_idx), the append-only triggers (row triggers are cloned to
-- every partition; the TRUNCATE guard is added to each partition too, since a partition can be
-- truncated by name). The primary key is (id, created_at): a partitioned table's unique keys must
-- contain the partition key. Existing rows are copied over (a one-off for a small table: for a
-- large log, see docs/scaling.md).
-- Creating, detaching and dropping partitions needs the table's owner, while the application may
-- run as a role with only DML on audit_logs: the three functions the cron calls run as their
-- owner (SECURITY DEFINER, search_path fixed at creation) and first check that the calling login
-- role may do what retention did before (DELETE on audit_logs) or what it writes (INSERT).
BEGIN;

CREATE FUNCTION audit_logs_require_privilege(p_privilege text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT has_table_privilege(session_user, 'audit_logs', p_privilege) THEN
    RAISE EXCEPTION 'audit_logs maintenance needs % on audit_logs', p_privilege USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;

ALTER TABLE audit_logs RENAME TO audit_logs_unpartitioned;
ALTER SEQUENCE audit_logs_id_seq RENAME TO audit_logs_unpartitioned_id_seq;
ALTER TABLE audit_logs_unpartitioned DROP CONSTRAINT audit_logs_pkey;
DROP INDEX audit_logs_created_idx, audit_logs_actor_idx, audit_logs_target_idx, audit_logs_event_idx, audit_logs_ip_idx,
  audit_logs_login_failures_idx, audit_logs_details_gin;

CREATE TABLE audit_logs (
  id           bigint GENERATED ALWAYS AS IDENTITY,
  created_at   timestamptz NOT NULL DEFAULT now(),
  event_type   text NOT NULL CONSTRAINT audit_logs_event_type_fkey REFERENCES audit_event_types (name),
  result       text NOT NULL CONSTRAINT audit_logs_result_check CHECK (result IN ('success', 'failure')),
  actor_id     uuid,
  target_id    uuid,
  session_id   text,
  subject_hash text CONSTRAINT audit_logs_subject_hash_check CHECK (subject_hash IS NULL OR subject_hash ~ '^[0-9a-f]{64}$'),
  ip           inet,
  user_agent   text CONSTRAINT audit_logs_user_agent_check CHECK (user_agent IS NULL OR length(user_agent) <= 512),
  request_id   text CONSTRAINT audit_logs_request_id_check CHECK (request_id IS NULL OR length(request_id) <= 64),
  details      jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT audit_logs_details_check CHECK (jsonb_typeof(details) = 'object'),
  CONSTRAINT audit_logs_pkey PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX audit_logs_created_idx ON audit_logs (created_at DESC, id DESC);
CREATE INDEX audit_logs_actor_idx ON audit_logs (actor_id, created_at DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_logs_target_idx ON audit_logs (target_id, created_at DESC) WHERE target_id IS NOT NULL;
CREATE INDEX audit_logs_event_idx ON audit_logs (event_type, created_at DESC);
CREATE INDEX audit_logs_ip_idx ON audit_logs (ip, created_at DESC) WHERE ip IS NOT NULL;
CREATE INDEX audit_logs_login_failures_idx ON audit_logs (created_at DESC, subject_hash, ip)
  WHERE event_type = 'login.failure';
CREATE INDEX audit_logs_details_gin ON audit_logs USING gin (details jsonb_path_ops);

CREATE TRIGGER audit_logs_no_update BEFORE UPDATE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_protect();
CREATE TRIGGER audit_logs_retention_only BEFORE DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_protect();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_protect();

-- A new partition: its indexes renamed after the parent's (audit_logs_X -> <partition>_X) and
-- its own TRUNCATE guard (statement triggers are not cloned to partitions).
CREATE FUNCTION audit_logs_adopt_partition(p_partition text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  idx record;
BEGIN
  FOR idx IN
    SELECT c.relname AS child, p.relname AS parent
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_inherits h ON h.inhrelid = i.indexrelid
    JOIN pg_class p ON p.oid = h.inhparent
    WHERE i.indrelid = p_partition::regclass AND p.relname LIKE 'audit\_logs\_%'
  LOOP
    IF idx.child <> p_partition || substr(idx.parent, length('audit_logs') + 1) THEN
      EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.child, p_partition || substr(idx.parent, length('audit_logs') + 1));
    END IF;
  END LOOP;
  EXECUTE format('CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_protect()', p_partition);
END
$$;

CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;
SELECT audit_logs_adopt_partition('audit_logs_default');

-- Creates the partition of the month starting at p_month (UTC) unless it exists or the default
-- partition already holds rows of that month; returns its name if it created it.
CREATE FUNCTION audit_logs_create_partition(p_month timestamp) RETURNS text LANGUAGE plpgsql
SET lock_timeout = '2s' AS $$
DECLARE
  month_start timestamptz := date_trunc('month', p_month) AT TIME ZONE 'UTC';
  month_end timestamptz := (date_trunc('month', p_month) + interval '1 month') AT TIME ZONE 'UTC';
  part text := 'audit_logs_p' || to_char(date_trunc('month', p_month), 'YYYYMM');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM audit_logs_default WHERE created_at >= month_start AND created_at < month_end) THEN
    RAISE NOTICE 'audit_logs: % not created, audit_logs_default holds rows of that month', part;
    RETURN NULL;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF audit_logs FOR VALUES FROM (%L) TO (%L)', part, month_start, month_end);
  PERFORM audit_logs_adopt_partition(part);
  RETURN part;
END
$$;

-- The month of p_now and the p_months_ahead after it; returns the partitions it created.
CREATE FUNCTION audit_logs_create_partitions(p_now timestamptz DEFAULT now(), p_months_ahead integer DEFAULT 3)
RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  part text;
BEGIN
  PERFORM audit_logs_require_privilege('INSERT');
  FOR i IN 0..p_months_ahead LOOP
    part := audit_logs_create_partition(date_trunc('month', p_now AT TIME ZONE 'UTC') + make_interval(months => i));
    IF part IS NOT NULL THEN
      RETURN NEXT part;
    END IF;
  END LOOP;
END
$$;

-- Retention: detaches and drops each monthly partition whose upper bound is at or before the
-- cutoff, capped at now() - 30 days like the append-only trigger (no row younger than 30 days
-- is ever dropped). Returns each dropped partition and its row count. A partition whose lock is
-- not granted within lock_timeout (a long query reading it) raises, and the next day retries.
CREATE FUNCTION audit_logs_drop_partitions(p_before timestamptz)
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

-- Rows older than the cutoff left in the default partition, in batches (as purge_audit_logs).
CREATE FUNCTION purge_audit_logs_default(p_before timestamptz, p_batch_size integer DEFAULT 1000, p_max_batches integer DEFAULT 100)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  total integer := 0;
  n integer;
  cutoff timestamptz := least(p_before, now() - interval '30 days');
BEGIN
  PERFORM audit_logs_require_privilege('DELETE');
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM audit_logs_default WHERE id = ANY (ARRAY(
      SELECT id FROM audit_logs_default WHERE created_at < cutoff
      ORDER BY created_at LIMIT p_batch_size FOR UPDATE SKIP LOCKED)) AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  RETURN total;
END
$$;

-- purge_audit_logs (0009) keeps its contract for psql callers: whole partitions first, then rows.
CREATE OR REPLACE FUNCTION purge_audit_logs(p_before timestamptz, p_batch_size integer DEFAULT 1000, p_max_batches integer DEFAULT 100)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RETURN coalesce((SELECT sum(d.rows) FROM audit_logs_drop_partitions(p_before) d), 0)::integer
       + purge_audit_logs_default(p_before, p_batch_size, p_max_batches);
END
$$;

-- The months the existing rows fall in, this month and the next three, then the rows.
SELECT audit_logs_create_partition(m)
FROM (SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC') AS m FROM audit_logs_unpartitioned) months;
SELECT audit_logs_create_partitions(now(), 3);
INSERT INTO audit_logs (id, created_at, event_type, result, actor_id, target_id, session_id, subject_hash, ip, user_agent, request_id, details)
  OVERRIDING SYSTEM VALUE
  SELECT id, created_at, event_type, result, actor_id, target_id, session_id, subject_hash, ip, user_agent, request_id, details
  FROM audit_logs_unpartitioned;
SELECT setval(pg_get_serial_sequence('audit_logs', 'id'), greatest((SELECT max(id) FROM audit_logs), 1), (SELECT max(id) FROM audit_logs) IS NOT NULL);
DROP TABLE audit_logs_unpartitioned;

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0019', 'audit_log_partitions', '82c0444afc60ccd70654c06ebf29a66f9f728dbfc81ec1b58fd20af775bc9513');
COMMIT;
