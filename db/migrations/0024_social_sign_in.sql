-- 0024: social and enterprise sign-in (issue 14). oauth_accounts (0005) gains what the account
-- page shows and the sign-in path records: the address the provider gave at link time (display
-- only: identities are keyed by (provider, provider_account_id), never by email) and when the
-- identity last signed in. No provider access or refresh token is stored: Portcullis only
-- reads the identity once, at the callback, so there is nothing to keep (issue 14).
-- A user links at most one identity per provider, so "unlink Google" names one row.
BEGIN;

ALTER TABLE oauth_accounts
  ADD COLUMN email        text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 320),
  ADD COLUMN last_used_at timestamptz;
CREATE UNIQUE INDEX oauth_accounts_user_provider_key ON oauth_accounts (user_id, provider);
DROP INDEX oauth_accounts_user_idx;

INSERT INTO audit_event_types (name) VALUES
  ('oauth.signed_in'), ('oauth.linked'), ('oauth.unlinked'), ('oauth.failed'), ('oauth.registered');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0024', 'social_sign_in', '9b8fa2650ff2989273c3a73b51c8adebc58e848e067e056cb542c58aef6e0b40');
COMMIT;
