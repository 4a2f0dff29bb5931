-- 0025: email sign-in codes (issue 15, EMAIL_SIGN_IN_CODES). One row per code mailed to an
-- account: only an HMAC of the code is stored (keyed by a key derived from a configured key,
-- key_id naming it, so a database dump alone cannot brute-force the 8 digits), with the account,
-- the subject hash of the address it went to (the verify step looks codes up by it, in the same
-- statement whether or not an account has the address), an expiry (10 minutes), the wrong
-- guesses so far (taken by one guarded UPDATE before each comparison, so parallel guesses cannot
-- pass the limit) and the moment it was spent or superseded (used_at). A new code for an account
-- supersedes its older ones. The daily cron deletes expired and spent rows in batches
-- (cleanup_email_sign_in_codes). mfa_challenges.first_factor gains 'email': a code sign-in of an
-- account with a second factor goes through the same second step, and its aal2 session's amr
-- starts with "email".
BEGIN;

CREATE TABLE email_sign_in_codes (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  subject_hash  text NOT NULL CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
  code_hash     text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  key_id        text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  CONSTRAINT email_sign_in_codes_expiry_order CHECK (expires_at > created_at)
);
-- The verify step: the live code of an address (at most one is unspent per account).
CREATE INDEX email_sign_in_codes_live_idx ON email_sign_in_codes (subject_hash, expires_at) WHERE used_at IS NULL;
-- Superseding a user's codes, and the foreign key.
CREATE INDEX email_sign_in_codes_user_idx ON email_sign_in_codes (user_id);
-- The daily cleanup.
CREATE INDEX email_sign_in_codes_expiry_idx ON email_sign_in_codes (expires_at);

CREATE FUNCTION cleanup_email_sign_in_codes(p_now timestamptz DEFAULT now(), p_batch_size integer DEFAULT 1000,
                                            p_max_batches integer DEFAULT 100)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
  total integer := 0;
BEGIN
  FOR i IN 1..p_max_batches LOOP
    DELETE FROM email_sign_in_codes WHERE id IN (
      SELECT id FROM email_sign_in_codes
      WHERE expires_at <= p_now OR used_at <= p_now - interval '1 day'
      LIMIT p_batch_size FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    EXIT WHEN n < p_batch_size;
  END LOOP;
  RETURN total;
END
$$;

ALTER TABLE mfa_challenges DROP CONSTRAINT mfa_challenges_first_factor_check;
ALTER TABLE mfa_challenges ADD CONSTRAINT mfa_challenges_first_factor_check CHECK (first_factor IN ('pwd', 'fed', 'email'));

INSERT INTO audit_event_types (name) VALUES
  ('email_code.requested'), ('email_code.failure'), ('email_code.signed_in');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0025', 'email_sign_in_codes', '2dcd276fe41a7d8b986265e73918c6914c552128daca5c3682c22e47fc1aa320');
COMMIT;
