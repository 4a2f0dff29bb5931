-- 0010: attack detection over the audit log, for GET /api/admin/security/alerts and the daily
-- cron. Each function looks at one window [p_since, now) and returns what crosses a threshold:
--   security_brute_force        many failures against one account (by subject hash)
--   security_credential_stuffing one IP failing against many different accounts
--   security_account_many_ips   one account tried from many IPs
--   security_refresh_reuse      refresh-token reuse (a stolen token was replayed)
BEGIN;

CREATE FUNCTION security_brute_force(p_since timestamptz, p_min_failures integer)
RETURNS TABLE (subject_hash text, target_id uuid, failures integer, distinct_ips integer,
               first_at timestamptz, last_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT a.subject_hash, max(a.target_id::text)::uuid, count(*)::int, count(DISTINCT a.ip)::int, min(a.created_at), max(a.created_at)
  FROM audit_logs a
  WHERE a.event_type = 'login.failure' AND a.created_at >= p_since AND a.subject_hash IS NOT NULL
  GROUP BY a.subject_hash
  HAVING count(*) >= p_min_failures
  ORDER BY count(*) DESC
$$;

CREATE FUNCTION security_credential_stuffing(p_since timestamptz, p_min_accounts integer)
RETURNS TABLE (ip inet, accounts integer, failures integer, first_at timestamptz, last_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT a.ip, count(DISTINCT a.subject_hash)::int, count(*)::int, min(a.created_at), max(a.created_at)
  FROM audit_logs a
  WHERE a.event_type = 'login.failure' AND a.created_at >= p_since AND a.ip IS NOT NULL
  GROUP BY a.ip
  HAVING count(DISTINCT a.subject_hash) >= p_min_accounts
  ORDER BY count(DISTINCT a.subject_hash) DESC
$$;

CREATE FUNCTION security_account_many_ips(p_since timestamptz, p_min_ips integer)
RETURNS TABLE (subject_hash text, target_id uuid, distinct_ips integer, attempts integer,
               first_at timestamptz, last_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT a.subject_hash, max(a.target_id::text)::uuid, count(DISTINCT a.ip)::int, count(*)::int, min(a.created_at), max(a.created_at)
  FROM audit_logs a
  WHERE a.event_type = 'login.failure' AND a.created_at >= p_since AND a.subject_hash IS NOT NULL
  GROUP BY a.subject_hash
  HAVING count(DISTINCT a.ip) >= p_min_ips
  ORDER BY count(DISTINCT a.ip) DESC
$$;

CREATE FUNCTION security_refresh_reuse(p_since timestamptz)
RETURNS TABLE (target_id uuid, session_id text, ip inet, created_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT a.target_id, a.session_id, a.ip, a.created_at
  FROM audit_logs a
  WHERE a.event_type = 'refresh.reuse_detected' AND a.created_at >= p_since
  ORDER BY a.created_at DESC
$$;

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0010', 'security_detection', 'bae2b5dca791a19b53e374ea203928c89699e7e6cca0ead8e7aa327e74cb0e79');
COMMIT;
