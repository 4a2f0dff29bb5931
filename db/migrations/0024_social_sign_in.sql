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

-- The second step after a social sign-in must not claim a password: the challenge records the
-- first factor ("pwd" or "fed"), and the aal2 session's amr starts with it.
ALTER TABLE mfa_challenges
  ADD COLUMN first_factor text NOT NULL DEFAULT 'pwd' CHECK (first_factor IN ('pwd', 'fed'));

INSERT INTO audit_event_types (name) VALUES
  ('oauth.signed_in'), ('oauth.linked'), ('oauth.unlinked'), ('oauth.failed'), ('oauth.registered');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0024', 'social_sign_in', '85e90024ba557031aa82a2a2aa6771ab21c4024d4da34f752d22bf0d1a1fa65a');
COMMIT;
