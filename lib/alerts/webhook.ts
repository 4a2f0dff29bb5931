/**
 * The alert webhook: each batch of newly raised alerts is one JSON POST to ALERT_WEBHOOK_URL,
 * queued in alert_webhook_deliveries in the transaction that raised the alerts and sent after it
 * commits (by the same cron run, then by later runs while it is due).
 *
 * Signature (in the style of Stripe and Standard Webhooks): every attempt sends
 *   Portcullis-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(ALERT_WEBHOOK_SECRET, "<t>.<raw body>")>
 *   Portcullis-Delivery: <delivery id>   (the same on every retry: the receiver's idempotency key)
 * A receiver recomputes the HMAC over the raw body, compares in constant time and refuses a
 * timestamp more than a few minutes old (a replayed call). The secret never leaves the server.
 *
 * Delivery: any 2xx within ALERT_WEBHOOK_TIMEOUT_MS is success; anything else (status, timeout,
 * refused connection) is retried after RETRY_BASE_SECONDS x 4^(attempt-1), at most MAX_ATTEMPTS
 * attempts, then the delivery is 'failed'. Every attempt writes a security.alert.webhook audit
 * row (delivery id, attempt, HTTP status or error, next attempt), naming the receiver's origin only.
 * Threats: a forged alert (signature), a replayed one (timestamp, delivery id), an alert lost to a
 * receiver outage (retries, audit trail). Reference: ASVS V7.2 (log monitoring), V8.3.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { Config } from "../config";
import type { Db } from "../db";
import { addSeconds } from "../clock";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { claimDueWebhookDeliveries, markWebhookFailed, markWebhookSent, scheduleWebhookRetry } from "./queries";

export const SIGNATURE_HEADER = "portcullis-signature";
export const DELIVERY_HEADER = "portcullis-delivery";
/** Attempts per delivery before it is marked 'failed' (about 5.7 hours of retries in all). */
export const WEBHOOK_MAX_ATTEMPTS = 6;
export const WEBHOOK_RETRY_BASE_SECONDS = 60;
const RETRY_FACTOR = 4;
/** Deliveries per run: at most 5 x ALERT_WEBHOOK_TIMEOUT_MS of the cron's time (one delivery per run that raised something). */
const DELIVERY_BATCH = 5;
const ERROR_MAX = 500;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` */
export function webhookSignature(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${bytesToHex(hmac(sha256, utf8ToBytes(secret), utf8ToBytes(`${t}.${body}`)))}`;
}

export function webhookRetryDelaySeconds(attempt: number): number {
  return WEBHOOK_RETRY_BASE_SECONDS * RETRY_FACTOR ** Math.max(0, attempt - 1);
}

export interface WebhookCounts {
  readonly sent: number;
  readonly retrying: number;
  readonly failed: number;
}

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

async function post(url: string, deliveryId: number, body: string, secret: string, timeoutMs: number, now: Date): Promise<Attempt> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Portcullis-Alerts/1",
        [SIGNATURE_HEADER]: webhookSignature(secret, body, now),
        [DELIVERY_HEADER]: String(deliveryId),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, status: null, error: String((error as Error)?.message ?? error).slice(0, ERROR_MAX) };
  }
}

/** Sends every due webhook delivery (none when no webhook is configured). */
export async function deliverDueWebhooks(db: Db, cfg: Config, now: Date, actor: Actor): Promise<WebhookCounts | null> {
  if (!cfg.ALERT_WEBHOOK_URL || !cfg.ALERT_WEBHOOK_SECRET) return null;
  const url = cfg.ALERT_WEBHOOK_URL;
  const leaseUntil = addSeconds(now, Math.ceil(cfg.ALERT_WEBHOOK_TIMEOUT_MS / 1000) + WEBHOOK_RETRY_BASE_SECONDS);
  const claimed = await claimDueWebhookDeliveries(db, now, leaseUntil, DELIVERY_BATCH);
  let sent = 0;
  let retrying = 0;
  let failed = 0;
  for (const delivery of claimed) {
    const attempt = await post(url, delivery.id, delivery.payload, cfg.ALERT_WEBHOOK_SECRET, cfg.ALERT_WEBHOOK_TIMEOUT_MS, now);
    let nextAttemptAt: Date | null = null;
    if (attempt.ok) {
      await markWebhookSent(db, delivery.id, now);
      sent++;
    } else if (delivery.attempts >= WEBHOOK_MAX_ATTEMPTS) {
      await markWebhookFailed(db, delivery.id, attempt.error);
      failed++;
    } else {
      nextAttemptAt = addSeconds(now, webhookRetryDelaySeconds(delivery.attempts));
      await scheduleWebhookRetry(db, delivery.id, nextAttemptAt, attempt.error);
      retrying++;
    }
    await recordAuditEvent(db, {
      type: "security.alert.webhook",
      result: attempt.ok ? "success" : "failure",
      actor,
      now,
      details: {
        deliveryId: delivery.id,
        attempt: delivery.attempts,
        receiver: new URL(url).origin,
        status: attempt.status,
        ...(attempt.ok ? {} : { error: attempt.error, nextAttemptAt: nextAttemptAt?.toISOString() ?? null }),
      },
    });
  }
  return { sent, retrying, failed };
}
