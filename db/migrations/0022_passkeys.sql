-- 0022: WebAuthn passkeys (issue 15).
--   webauthn_credentials  one row per registered passkey: the credential id (base64url, unique
--                         across all users), the COSE public key (base64url), the last sign counter seen,
--                         transports, backup eligibility (device_type) and state, a name the user
--                         chooses, created and last used. Removing the user removes them.
--   webauthn_challenges   the server side of every ceremony: a random challenge, single use
--                         (used_at, spent by one guarded UPDATE), short-lived (expires_at),
--                         bound either to the session that asked (registration) or to the SHA-256
--                         of a pre-authentication cookie (sign-in), never to nothing.
BEGIN;

CREATE TABLE webauthn_credentials (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id   text NOT NULL UNIQUE CHECK (credential_id ~ '^[A-Za-z0-9_-]+$' AND char_length(credential_id) BETWEEN 16 AND 1366),
  public_key      text NOT NULL CHECK (public_key ~ '^[A-Za-z0-9_-]+$' AND char_length(public_key) BETWEEN 16 AND 2800),
  sign_count      bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
  transports      text[] NOT NULL DEFAULT '{}',
  device_type     text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up       boolean NOT NULL,
  name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_used_at    timestamptz
);
CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id);

CREATE TABLE webauthn_challenges (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  challenge     text NOT NULL UNIQUE CHECK (challenge ~ '^[A-Za-z0-9_-]{43}$'),
  purpose       text NOT NULL CHECK (purpose IN ('registration', 'authentication')),
  session_id    text REFERENCES sessions (id) ON DELETE CASCADE,
  binding_hash  text CHECK (binding_hash ~ '^[0-9a-f]{64}$'),
  user_id       uuid REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  CONSTRAINT webauthn_challenges_expiry_order CHECK (expires_at > created_at),
  -- registration is bound to a session and its user; sign-in to a pre-authentication cookie
  CONSTRAINT webauthn_challenges_bound CHECK (
    (purpose = 'registration' AND session_id IS NOT NULL AND user_id IS NOT NULL AND binding_hash IS NULL)
    OR (purpose = 'authentication' AND binding_hash IS NOT NULL AND session_id IS NULL))
);
CREATE INDEX webauthn_challenges_expiry_idx ON webauthn_challenges (expires_at);
CREATE INDEX webauthn_challenges_session_idx ON webauthn_challenges (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX webauthn_challenges_user_idx ON webauthn_challenges (user_id) WHERE user_id IS NOT NULL;

INSERT INTO audit_event_types (name) VALUES
  ('passkey.registered'), ('passkey.renamed'), ('passkey.removed'), ('passkey.failure'), ('passkey.counter_regressed');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0022', 'passkeys', '5c5adc78ee6b0015c68b06ec792719036940bf01ea03967390853d3bd129b754');
COMMIT;
