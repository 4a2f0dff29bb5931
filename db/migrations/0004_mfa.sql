-- 0004: second factors. TOTP secrets are stored encrypted (AES-256-GCM envelope with a key id,
-- so keys can rotate); the last accepted time step makes every code single-use. Backup codes
-- are stored as argon2id hashes; their short lookup prefix is not secret. Trusted devices
-- are server-side rows with a hashed token.
BEGIN;

CREATE TABLE mfa_factors (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type              text NOT NULL DEFAULT 'totp' CHECK (type IN ('totp')),
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active')),
  encrypted_secret  text NOT NULL CHECK (encrypted_secret ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
  last_used_step    bigint CHECK (last_used_step IS NULL OR last_used_step >= 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  confirmed_at      timestamptz,
  CONSTRAINT mfa_factors_confirmed_consistent CHECK ((status = 'active') = (confirmed_at IS NOT NULL))
);
-- At most one active and one pending TOTP factor per user.
CREATE UNIQUE INDEX mfa_factors_user_active_key ON mfa_factors (user_id, type) WHERE status = 'active';
CREATE UNIQUE INDEX mfa_factors_user_pending_key ON mfa_factors (user_id, type) WHERE status = 'pending';

CREATE TABLE mfa_backup_codes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  lookup      text NOT NULL CHECK (lookup ~ '^[A-Z2-7]{4}$'),
  code_hash   text NOT NULL CHECK (code_hash ~ '^\$argon2id\$'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  used_at     timestamptz
);
CREATE UNIQUE INDEX mfa_backup_codes_user_lookup_key ON mfa_backup_codes (user_id, lookup);
CREATE INDEX mfa_backup_codes_user_unused_idx ON mfa_backup_codes (user_id) WHERE used_at IS NULL;

CREATE TABLE trusted_devices (
  id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash   text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  label         text CHECK (label IS NULL OR length(label) <= 512),
  ip            inet,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  CONSTRAINT trusted_devices_expiry_order CHECK (expires_at > created_at)
);
CREATE INDEX trusted_devices_user_live_idx ON trusted_devices (user_id, created_at DESC) WHERE revoked_at IS NULL;
CREATE INDEX trusted_devices_expiry_idx ON trusted_devices (expires_at);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0004', 'mfa', '3e249f3a01c51d6baf5696d3fa5a3d008e649689b16a0fdcbe8b808a32053895');
COMMIT;
