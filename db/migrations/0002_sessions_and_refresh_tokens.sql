-- 0002: sessions and refresh tokens.
-- A session token is "id.secret": the id is the primary key, only SHA-256(secret) is stored,
-- so validation is one primary-key lookup and a constant-time compare. A refresh-token family
-- is its session: every token of a family points at the session, and at its parent.
BEGIN;

CREATE TABLE sessions (
  id                   text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
  secret_hash          text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  aal                  smallint NOT NULL DEFAULT 1 CHECK (aal IN (1, 2)),
  amr                  text[] NOT NULL DEFAULT '{pwd}',
  created_at           timestamptz NOT NULL DEFAULT now(),
  last_activity_at     timestamptz NOT NULL,
  idle_expires_at      timestamptz NOT NULL,
  absolute_expires_at  timestamptz NOT NULL,
  reauthenticated_at   timestamptz NOT NULL,
  rotate_pending       boolean NOT NULL DEFAULT false,
  revoked_at           timestamptz,
  revoked_reason       text CHECK (revoked_reason IN ('logout', 'logout_all', 'user_revoked', 'admin_revoked',
                         'password_changed', 'password_reset', 'mfa_changed', 'email_changed', 'user_disabled',
                         'refresh_reuse', 'rotated', 'role_changed', 'token_revoked')),
  ip                   inet,
  user_agent           text CHECK (user_agent IS NULL OR length(user_agent) <= 512),
  CONSTRAINT sessions_expiry_order CHECK (idle_expires_at <= absolute_expires_at AND created_at <= absolute_expires_at),
  CONSTRAINT sessions_revocation_consistent CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

-- The caller's live sessions (list, sign out everywhere): only unrevoked rows are indexed.
CREATE INDEX sessions_user_live_idx ON sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;
-- Cleanup finds expired and long-revoked rows without scanning the table.
CREATE INDEX sessions_idle_expiry_idx ON sessions (idle_expires_at);
CREATE INDEX sessions_absolute_expiry_idx ON sessions (absolute_expires_at);
CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE refresh_tokens (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id        text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  parent_id         bigint REFERENCES refresh_tokens (id) ON DELETE CASCADE,
  token_hash        text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  -- the successor, sealed (AES-GCM) under a key derived from this token: only a client that
  -- holds this token can open it, so a retry inside the grace window gets the same successor
  successor_sealed  text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  used_at           timestamptz,
  revoked_at        timestamptz,
  CONSTRAINT refresh_tokens_successor_consistent CHECK ((used_at IS NULL) = (successor_sealed IS NULL))
);

CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
-- A token has at most one successor: concurrent rotations cannot fork a family.
CREATE UNIQUE INDEX refresh_tokens_one_successor_key ON refresh_tokens (parent_id) WHERE parent_id IS NOT NULL;
-- The live token of a family.
CREATE INDEX refresh_tokens_family_live_idx ON refresh_tokens (session_id) WHERE used_at IS NULL AND revoked_at IS NULL;
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0002', 'sessions_and_refresh_tokens', 'd513abfc54edcbf147db2d0e740b88e41f12d068e1bd28dbb38801129598f4a0');
COMMIT;
