-- Reverts 0019: audit_logs back to one plain table (0006's definition with 0011's foreign key),
-- every row copied over, purge_audit_logs back to 0009's row deletes.
BEGIN;

CREATE TABLE audit_logs_plain (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at   timestamptz NOT NULL DEFAULT now(),
  event_type   text NOT NULL,
  result       text NOT NULL CHECK (result IN ('success', 'failure')),
  actor_id     uuid,
  target_id    uuid,
  session_id   text,
  subject_hash text CHECK (subject_hash IS NULL OR subject_hash ~ '^[0-9a-f]{64}$'),
  ip           inet,
  user_agent   text CHECK (user_agent IS NULL OR length(user_agent) <= 512),
  request_id   text CHECK (request_id IS NULL OR length(request_id) <= 64),
  details      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);
INSERT INTO audit_logs_plain (id, created_at, event_type, result, actor_id, target_id, session_id, subject_hash, ip, user_agent, request_id, details)
  OVERRIDING SYSTEM VALUE
  SELECT id, created_at, event_type, result, actor_id, target_id, session_id, subject_hash, ip, user_agent, request_id, details
  FROM audit_logs;
SELECT setval(pg_get_serial_sequence('audit_logs_plain', 'id'), greatest((SELECT max(id) FROM audit_logs_plain), 1), (SELECT max(id) FROM audit_logs_plain) IS NOT NULL);

DROP FUNCTION purge_audit_logs(timestamptz, integer, integer);
DROP FUNCTION purge_audit_logs_default(timestamptz, integer, integer);
DROP FUNCTION audit_logs_drop_partitions(timestamptz);
DROP FUNCTION audit_logs_create_partitions(timestamptz, integer);
DROP FUNCTION audit_logs_create_partition(timestamp);
DROP TABLE audit_logs;
DROP FUNCTION audit_logs_adopt_partition(text);
DROP FUNCTION audit_logs_require_privilege(text);

ALTER TABLE audit_logs_plain RENAME TO audit_logs;
ALTER SEQUENCE audit_logs_plain_id_seq RENAME TO audit_logs_id_seq;
ALTER INDEX audit_logs_plain_pkey RENAME TO audit_logs_pkey;
ALTER TABLE audit_logs RENAME CONSTRAINT audit_logs_plain_result_check TO audit_logs_result_check;
ALTER TABLE audit_logs RENAME CONSTRAINT audit_logs_plain_subject_hash_check TO audit_logs_subject_hash_check;
ALTER TABLE audit_logs RENAME CONSTRAINT audit_logs_plain_user_agent_check TO audit_logs_user_agent_check;
ALTER TABLE audit_logs RENAME CONSTRAINT audit_logs_plain_request_id_check TO audit_logs_request_id_check;
ALTER TABLE audit_logs RENAME CONSTRAINT audit_logs_plain_details_check TO audit_logs_details_check;
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_event_type_fkey FOREIGN KEY (event_type) REFERENCES audit_event_types (name);
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

DELETE FROM schema_migrations WHERE version = '0019';
COMMIT;
