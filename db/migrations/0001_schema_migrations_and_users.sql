-- 0001: the migration ledger, the updated_at trigger, users and password history.
-- Why: every other table hangs off users. Emails are citext (case-insensitive, compared as
-- typed, never stripped of +tags) and unique among undeleted accounts only, so a deleted
-- account does not block a new sign-up with the same address.
BEGIN;

CREATE TABLE schema_migrations (
  version     text PRIMARY KEY CHECK (version ~ '^[0-9]{4}$'),
  name        text NOT NULL,
  checksum    text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  applied_at  timestamptz NOT NULL DEFAULT now()
);

CREATE EXTENSION IF NOT EXISTS citext;

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TABLE users (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email                citext NOT NULL
                       CONSTRAINT users_email_format CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  name                 text CHECK (name IS NULL OR length(name) <= 200),
  status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_hash        text CHECK (password_hash IS NULL OR password_hash ~ '^\$[a-z0-9-]+\$'),
  password_changed_at  timestamptz,
  email_verified_at    timestamptz,
  -- second-factor failures (the password-failure counter lives in login_throttles, keyed by
  -- the normalised email, so that unknown emails are counted exactly like real ones)
  mfa_failed_count     integer NOT NULL DEFAULT 0 CHECK (mfa_failed_count >= 0),
  mfa_locked_until     timestamptz,
  disabled_at          timestamptz,
  disabled_reason      text CHECK (disabled_reason IS NULL OR length(disabled_reason) <= 500),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  deleted_at           timestamptz,
  CONSTRAINT users_disabled_consistent CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
);

-- Sign-in looks an email up among live accounts only.
CREATE UNIQUE INDEX users_email_live_key ON users (email) WHERE deleted_at IS NULL;
-- Operators list accounts whose second factor is blocked.
CREATE INDEX users_mfa_locked_idx ON users (mfa_locked_until) WHERE mfa_locked_until IS NOT NULL;
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE password_history (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  password_hash  text NOT NULL CHECK (password_hash ~ '^\$[a-z0-9-]+\$'),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user_idx ON password_history (user_id, created_at DESC);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0001', 'schema_migrations_and_users', 'cb6eaec7930daa9a5e8fd0eaf2d0a253f04f7a4f365b5a3b7944450b9519f7fc');
COMMIT;
