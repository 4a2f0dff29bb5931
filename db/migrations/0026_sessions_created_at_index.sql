-- 0026: sessions by creation time. The five-minute alert scan (lib/alerts/notify.ts, many_sessions)
-- counted the live sessions of every account: a GROUP BY over all of sessions, measured past the
-- 5 s statement bound at 10M sessions (npm run bench:scale), which failed the sessions cron. It
-- now counts only the accounts that created a session inside its window (an account can cross
-- the threshold only by creating one), found through this index.
-- IF NOT EXISTS: on a large live database build it first by hand with CREATE INDEX CONCURRENTLY
-- and the same name; this file then only records itself.
BEGIN;

CREATE INDEX IF NOT EXISTS sessions_created_at_idx ON sessions (created_at);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0026', 'sessions_created_at_index', '5bfefb90453f4f0d4b614c96194022fa981155f8fe2eee3561daca83fbc3af01');
COMMIT;
