-- 0003: one-time tokens (password reset, email verification, email change) and MFA challenges.
-- Only SHA-256 of each token is stored. A token is bound to one user, one purpose and one
-- email address, expires, and is spent by one guarded UPDATE ... WHERE used_at IS NULL.
BEGIN;

CREATE TABLE one_time_tokens (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification', 'email_change')),
  token_hash  text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  email       citext NOT NULL CHECK (length(email) <= 254),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CONSTRAINT one_time_tokens_expiry_order CHECK (expires_at > created_at)
);

-- Redeeming a token: unspent tokens by hash.
CREATE UNIQUE INDEX one_time_tokens_live_hash_key ON one_time_tokens (token_hash) WHERE used_at IS NULL;
-- Voiding the older tokens of a user when a new one is issued.
CREATE INDEX one_time_tokens_user_live_idx ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL;
CREATE INDEX one_time_tokens_expiry_idx ON one_time_tokens (expires_at);

-- Between the password step and the second factor: a short-lived, single-use challenge.
CREATE TABLE mfa_challenges (
  id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
  secret_hash  text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose      text NOT NULL DEFAULT 'login' CHECK (purpose IN ('login', 'token')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  ip           inet,
  user_agent   text CHECK (user_agent IS NULL OR length(user_agent) <= 512),
  CONSTRAINT mfa_challenges_expiry_order CHECK (expires_at > created_at)
);
CREATE INDEX mfa_challenges_expiry_idx ON mfa_challenges (expires_at);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0003', 'one_time_tokens', '1d50532464ba5151b7edefb3223d1f92d9d2a0bc013796a370d7351b9b552d59');
COMMIT;
