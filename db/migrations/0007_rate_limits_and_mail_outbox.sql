-- 0007: Postgres-backed rate limits (they hold across serverless instances), per-identifier
-- sign-in throttles, and the mail outbox.
-- rate_limits: one fixed-window counter per (route, key), advanced by one atomic upsert.
-- mail_outbox: every message; 'stored' in development and tests (the outbox is the transport),
-- 'queued' -> 'sent' | 'failed' with SMTP (the body is blanked once sent).
-- login_throttles: keyed by SHA-256 of the normalised email whether or not an account exists,
-- so the lockout is the same for real and unknown emails and stores no unknown address.
BEGIN;

CREATE TABLE rate_limits (
  key           text PRIMARY KEY CHECK (length(key) <= 200),
  count         integer NOT NULL CHECK (count >= 0),
  window_start  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  CONSTRAINT rate_limits_window_order CHECK (expires_at > window_start)
);
CREATE INDEX rate_limits_expiry_idx ON rate_limits (expires_at);

CREATE TABLE login_throttles (
  subject_hash     text PRIMARY KEY CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
  failures         integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  total_failures   integer NOT NULL DEFAULT 0 CHECK (total_failures >= 0),
  lock_count       integer NOT NULL DEFAULT 0 CHECK (lock_count >= 0),
  locked_until     timestamptz,
  hard_locked      boolean NOT NULL DEFAULT false,
  last_failure_at  timestamptz NOT NULL
);
-- Operators (and the security view) list what is locked right now.
CREATE INDEX login_throttles_locked_idx ON login_throttles (locked_until) WHERE locked_until IS NOT NULL OR hard_locked;
CREATE INDEX login_throttles_last_failure_idx ON login_throttles (last_failure_at);

CREATE TABLE mail_outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  to_address  citext NOT NULL CHECK (length(to_address) <= 254),
  template    text NOT NULL CHECK (template ~ '^[a-z_]+$'),
  subject     text NOT NULL CHECK (length(subject) <= 300),
  text_body   text NOT NULL,
  status      text NOT NULL DEFAULT 'stored' CHECK (status IN ('stored', 'queued', 'sent', 'failed')),
  sent_at     timestamptz,
  error       text
);
CREATE INDEX mail_outbox_to_idx ON mail_outbox (to_address, created_at DESC);
CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0007', 'rate_limits_and_mail_outbox', 'd2a6435060d651a4ca49c27d8abca2453688ee2d5dbc4eb096fdac10052eaccb');
COMMIT;
