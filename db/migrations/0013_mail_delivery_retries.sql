-- 0013: mail delivery with retries, and no usable token kept once a message is handed over.
-- attempts / next_attempt_at: a queued (SMTP) message is claimed by pushing next_attempt_at
-- forward (a lease), retried with backoff after a refusal, and marked 'sent' only after the
-- SMTP server accepted it; past the last attempt it is 'failed'.
-- redact_mail_body(): the body with every link token replaced; applied when a message is sent
-- or given up, so no live link stays at rest after the hand-over. A deployer who delivers
-- 'stored' rows (MAIL_TRANSPORT=outbox) itself uses it the same way.
BEGIN;

ALTER TABLE mail_outbox
  ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  ADD COLUMN next_attempt_at timestamptz;

UPDATE mail_outbox SET next_attempt_at = created_at WHERE status = 'queued';

-- The delivery run's only query: due queued rows.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'queued';

CREATE FUNCTION redact_mail_body(p_body text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(p_body, 'token=[A-Za-z0-9_-]+', 'token=[removed after delivery]', 'g')
$$;

-- Messages already sent or refused keep no token.
UPDATE mail_outbox SET text_body = redact_mail_body(text_body) WHERE status IN ('sent', 'failed');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0013', 'mail_delivery_retries', '160494bba3364c0574a641506a6f23a3d686d04b5854a7559265adb58d76badf');
COMMIT;
