-- 0016: the OpenID Connect provider (issue 13). Registered clients, authorization codes,
-- remembered consents, and the link from a refresh family (a sessions row) to the client it
-- was issued to. Client secrets and codes carry >= 256 bits of entropy, so only their
-- SHA-256 is stored (lib/crypto/digest.ts); a database leak yields no usable secret or code.
BEGIN;

CREATE TABLE oauth_clients (
  id                        text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{16,64}$'),
  name                      text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- NULL for a public client (PKCE is its only proof); SHA-256 hex of the secret otherwise
  secret_hash               text CHECK (secret_hash IS NULL OR secret_hash ~ '^[0-9a-f]{64}$'),
  is_public                 boolean NOT NULL DEFAULT false,
  first_party               boolean NOT NULL DEFAULT false,
  redirect_uris             text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 20),
  post_logout_redirect_uris text[] NOT NULL DEFAULT '{}' CHECK (cardinality(post_logout_redirect_uris) <= 20),
  created_at                timestamptz NOT NULL DEFAULT now(),
  secret_rotated_at         timestamptz,
  disabled_at               timestamptz,
  CONSTRAINT oauth_clients_secret_kind CHECK (is_public = (secret_hash IS NULL))
);

-- A code is single use and lives about a minute; it is bound to everything the token request
-- must repeat or prove (client, redirect URI, PKCE challenge) and carries what the ID token
-- says (nonce, scopes, auth_time, acr, amr, the browser session it came from).
CREATE TABLE oauth_authorization_codes (
  code_hash        text PRIMARY KEY CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  client_id        text NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  browser_session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  redirect_uri     text NOT NULL,
  code_challenge   text NOT NULL CHECK (code_challenge ~ '^[A-Za-z0-9_-]{43}$'),
  nonce            text CHECK (nonce IS NULL OR length(nonce) <= 512),
  scopes           text[] NOT NULL,
  auth_time        timestamptz NOT NULL,
  acr              text NOT NULL,
  amr              text[] NOT NULL,
  created_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  used_at          timestamptz,
  -- the refresh family (sessions row) minted by the first use: a replay revokes it
  family_session_id text REFERENCES sessions (id) ON DELETE SET NULL,
  CONSTRAINT oauth_codes_expiry_order CHECK (created_at < expires_at)
);
CREATE INDEX oauth_codes_expiry_idx ON oauth_authorization_codes (expires_at);
CREATE INDEX oauth_codes_client_idx ON oauth_authorization_codes (client_id);
CREATE INDEX oauth_codes_user_idx ON oauth_authorization_codes (user_id);
CREATE INDEX oauth_codes_browser_session_idx ON oauth_authorization_codes (browser_session_id);
CREATE INDEX oauth_codes_family_idx ON oauth_authorization_codes (family_session_id) WHERE family_session_id IS NOT NULL;

-- What a person allowed a third-party client; asked again when a client wants more scopes.
CREATE TABLE oauth_consents (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id   text NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
  scopes      text[] NOT NULL,
  granted_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
CREATE INDEX oauth_consents_client_idx ON oauth_consents (client_id);

-- A refresh family issued to a client is a sessions row that names the client: refreshes,
-- revocation and consent withdrawal are checked against it.
ALTER TABLE sessions ADD COLUMN oauth_client_id text REFERENCES oauth_clients (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN oauth_scopes text[];
ALTER TABLE sessions ADD CONSTRAINT sessions_oauth_scopes_with_client CHECK ((oauth_client_id IS NULL) = (oauth_scopes IS NULL));
CREATE INDEX sessions_oauth_client_live_idx ON sessions (oauth_client_id, user_id) WHERE oauth_client_id IS NOT NULL AND revoked_at IS NULL;
-- Serves the ON DELETE CASCADE from oauth_clients (the live index above skips revoked rows).
CREATE INDEX sessions_oauth_client_idx ON sessions (oauth_client_id) WHERE oauth_client_id IS NOT NULL;

-- Managing clients is its own permission, held by the admin role.
UPDATE roles SET permissions = permissions || '["clients:manage"]'::jsonb WHERE name = 'admin' AND NOT permissions ? 'clients:manage';

INSERT INTO audit_event_types (name) VALUES
  ('oauth.client.created'), ('oauth.client.secret_rotated'), ('oauth.client.disabled'),
  ('oauth.authorize.denied'), ('oauth.code.issued'), ('oauth.consent.granted'), ('oauth.consent.denied'),
  ('oauth.consent.revoked'), ('oauth.token.issued'), ('oauth.token.failure'), ('oauth.code.replayed'),
  ('oauth.token.revoked'), ('oauth.logout');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0016', 'oauth_provider', 'febb3d2b6ce075ad4b19b3574a2bb87832d40c341db5f0e86a1cdd9c7016c731');
COMMIT;
