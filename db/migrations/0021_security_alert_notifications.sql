-- 0021: security alerts that reach someone (issue 17 part B). The five-minute cron evaluates the
-- detections of 0010 (and two more: a global failed-sign-in spike, an account with too many live
-- sessions) over the window since its previous run, raises each alert once, mails the admins
-- (through mail_outbox) and queues one signed webhook call (lib/alerts/).
--   alert_watermarks          how far the evaluation has got (one row per job); the evaluation
--                             locks it (FOR UPDATE), so two overlapping cron runs raise nothing twice
--   security_alert_raises     one row per alert key (kind + subject): raised again only with newer
--                             evidence and after ALERT_REPEAT_HOURS
--   alert_webhook_deliveries  the webhook calls, retried with backoff like mail_outbox; the payload
--                             holds no address, hash or token (user ids, IPs and counts only)
BEGIN;

CREATE TABLE alert_watermarks (
  job              text PRIMARY KEY CHECK (job IN ('security_alerts')),
  evaluated_until  timestamptz NOT NULL
);
INSERT INTO alert_watermarks (job, evaluated_until) VALUES ('security_alerts', now());

CREATE TABLE security_alert_raises (
  dedup_key        text PRIMARY KEY CHECK (length(dedup_key) <= 300),
  kind             text NOT NULL CHECK (kind IN ('brute_force', 'credential_stuffing', 'account_many_ips', 'refresh_reuse',
                                                 'sign_in_spike', 'many_sessions')),
  evidence_at      timestamptz NOT NULL,
  first_raised_at  timestamptz NOT NULL,
  last_raised_at   timestamptz NOT NULL,
  raise_count      integer NOT NULL DEFAULT 1 CHECK (raise_count >= 1)
);
-- The evaluation forgets raises older than any window it can look back over.
CREATE INDEX security_alert_raises_last_raised_idx ON security_alert_raises (last_raised_at);

CREATE TABLE alert_webhook_deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at       timestamptz NOT NULL,
  payload          text NOT NULL,
  status           text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz,
  sent_at          timestamptz,
  last_error       text CHECK (last_error IS NULL OR length(last_error) <= 500),
  CONSTRAINT alert_webhook_deliveries_due_when_queued CHECK ((status = 'queued') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX alert_webhook_deliveries_due_idx ON alert_webhook_deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX alert_webhook_deliveries_created_idx ON alert_webhook_deliveries (created_at);

INSERT INTO audit_event_types (name) VALUES ('security.alert.raised'), ('security.alert.webhook');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0021', 'security_alert_notifications', '693010f0dce6fbab9230295580ce7f9781dd502347a3bb8a244071fb2df5945d');
COMMIT;
