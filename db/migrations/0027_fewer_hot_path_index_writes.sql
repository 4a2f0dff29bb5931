-- 0027: fewer index writes on the hottest write paths (issue 16, measured by npm run bench:scale).
-- sessions_absolute_expiry_idx has had no reader since 0018: the cleanup finds absolutely expired
-- sessions through sessions_idle_expiry_idx (idle_expires_at <= absolute_expires_at is a CHECK).
-- Yet every session insert and every activity touch wrote it (a touch moves idle_expires_at, an
-- indexed column, so it is never a HOT update and writes every index of sessions).
-- audit_logs_details_gin indexed every key of every audit row's details: each refresh, each
-- sign-in wrote several GIN entries, and its pending list is merged by whichever insert fills it.
-- It served one lookup: an administrator's revocations of a session (details.revokedSessionId,
-- lib/audit/queries.ts). A partial btree on that key holds only those rows.
-- IF [NOT] EXISTS: on a large live database, build the new index first without blocking audit
-- inserts (CREATE INDEX audit_logs_revoked_session_idx ON ONLY audit_logs ...; then per partition
-- CREATE INDEX CONCURRENTLY ... and ALTER INDEX audit_logs_revoked_session_idx ATTACH PARTITION ...);
-- this file then only drops the two old indexes and records itself.
BEGIN;

DROP INDEX IF EXISTS sessions_absolute_expiry_idx;

CREATE INDEX IF NOT EXISTS audit_logs_revoked_session_idx ON audit_logs ((details ->> 'revokedSessionId'), created_at DESC, id DESC)
  WHERE details ? 'revokedSessionId';
-- each partition's copy named after its partition, as audit_logs_adopt_partition (0019) names them
DO $$
DECLARE
  idx record;
BEGIN
  FOR idx IN
    SELECT c.relname AS child, t.relname AS part
    FROM pg_inherits h
    JOIN pg_class c ON c.oid = h.inhrelid
    JOIN pg_index i ON i.indexrelid = c.oid
    JOIN pg_class t ON t.oid = i.indrelid
    WHERE h.inhparent = 'audit_logs_revoked_session_idx'::regclass
  LOOP
    IF idx.child <> idx.part || '_revoked_session_idx' THEN
      EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.child, idx.part || '_revoked_session_idx');
    END IF;
  END LOOP;
END
$$;

DROP INDEX IF EXISTS audit_logs_details_gin;

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0027', 'fewer_hot_path_index_writes', '624945cff5983ca3f71ecf102fd1b966eae654277664c5658d08a22b957d1445');
COMMIT;
