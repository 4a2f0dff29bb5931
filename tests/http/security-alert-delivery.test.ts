/**
 * Security alerts that reach someone (issue 17 part B, lib/alerts/). A server of its own (its own
 * database: PGlite in memory, or a fresh Postgres database) with low thresholds, the outbox mail
 * transport and ALERT_WEBHOOK_URL pointed at a local HTTP receiver. Against it: a seeded attack
 * raises its alerts in one five-minute cron run, which queues exactly one email (one admin) and
 * makes exactly one webhook call whose HMAC-SHA256 signature verifies; the next run sends nothing
 * new; a receiver that fails is retried after the backoff with the same delivery id, and every
 * attempt is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { startPortcullis, type StartedServer } from "../support/portcullis-server";
import { ownDatabase, type OwnDatabase } from "../support/own-database";
import { GOOD_PASSWORD, randomIp, uniqueEmail } from "../support/http";
import { TEST_CRON_SECRET } from "../support/env";

const WEBHOOK_SECRET = "alert-webhook-secret-0123456789abcdef-0123";

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly status: number;
}

/** The receiver's check, as a deployer would write it: HMAC over "<t>.<raw body>", constant-time compare, fresh t. */
function verifySignature(header: string, body: string, secret: string, nowMs: number): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(`${match[1]}.${body}`).digest();
  const fresh = Math.abs(nowMs / 1000 - Number(match[1])) <= 300;
  return fresh && timingSafeEqual(expected, Buffer.from(match[2]!, "hex"));
}

describe("security alerts by email and signed webhook (issue 17 part B)", { timeout: 240_000 }, () => {
  const received: Received[] = [];
  let failNext = 0;
  let receiver: Server;
  let database: OwnDatabase;
  let server: StartedServer;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const status = failNext > 0 ? 500 : 204;
        if (failNext > 0) failNext--;
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()));
    const port = (receiver.address() as { port: number }).port;
    database = await ownDatabase("alerts");
    server = await startPortcullis("alerts", {
      ...database.env,
      CRON_SECRET: TEST_CRON_SECRET,
      ALERT_BRUTE_FORCE_FAILURES: "5",
      ALERT_STUFFING_ACCOUNTS: "50",
      ALERT_MANY_IPS: "50",
      ALERT_SPIKE_FAILURES: "5",
      ALERT_MAX_LIVE_SESSIONS: "2",
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/portcullis`,
      ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ALERT_WEBHOOK_TIMEOUT_MS: "3000",
    });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await database?.drop();
  });

  async function call(method: string, path: string, init: { json?: unknown; ip?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { origin: server.url, "x-real-ip": init.ip ?? randomIp(), ...init.headers };
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  }

  const cron = (now?: number) =>
    call("GET", "/api/cron/sessions", {
      headers: { authorization: `Bearer ${TEST_CRON_SECRET}`, ...(now === undefined ? {} : { "x-test-now": String(now) }) },
    });

  async function register(email: string): Promise<void> {
    expect((await call("POST", "/api/auth/register", { json: { email, password: GOOD_PASSWORD } })).status).toBe(201);
  }

  /** Wrong passwords, all at `at` when given (the server's clock for that request). */
  async function failSignIns(email: string, times: number, ip: string, at?: number): Promise<void> {
    const headers: Record<string, string> = at === undefined ? {} : { "x-test-now": String(at) };
    for (let i = 0; i < times; i++) {
      expect((await call("POST", "/api/auth/login", { json: { email, password: `wrong guess ${i}` }, ip, headers })).status).toBe(401);
    }
  }

  const alertMail = (to: string) =>
    server
      .sql(`SELECT to_address, subject, text_body FROM mail_outbox WHERE template = 'security_alerts'`, [])
      .then((rows) => rows.filter((r: any) => r.to_address === to));

  it("a seeded attack produces exactly one email and one signed webhook call; the next run sends nothing new", async () => {
    const grantAdmin = (email: string) =>
      server.sql(
        `INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.email = $1 AND r.name = 'admin'`,
        [email],
      );
    // the recipient: an admin (its address unverified, as npm run admin:create leaves it)
    const admin = uniqueEmail("alert-admin");
    await register(admin);
    await grantAdmin(admin);
    // not recipients: a disabled admin, a plain user
    const disabledAdmin = uniqueEmail("disabled-admin");
    await register(disabledAdmin);
    await grantAdmin(disabledAdmin);
    await server.sql(`UPDATE users SET status = 'disabled', disabled_at = now() WHERE email = $1`, [disabledAdmin]);
    await register(uniqueEmail("bystander"));

    // the attack: 6 wrong passwords against one account (brute force >= 5; spike > 5 in five minutes) ...
    const victim = uniqueEmail("victim");
    await register(victim);
    // all in one five-minute bucket: one minute into the previous one
    const inBucket = Math.floor(Date.now() / 300_000) * 300_000 - 240_000;
    await failSignIns(victim, 6, randomIp(), inBucket);
    // ... and an account signed in three times (more than 2 live sessions)
    const hoarder = uniqueEmail("hoarder");
    await register(hoarder);
    for (let i = 0; i < 3; i++)
      expect((await call("POST", "/api/auth/login", { json: { email: hoarder, password: GOOD_PASSWORD } })).status).toBe(200);
    const [victimRow] = await server.sql<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [victim]);
    const [hoarderRow] = await server.sql<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [hoarder]);

    const first = await cron();
    expect(first.status).toBe(200);
    expect(first.body.alerts).toEqual({ raised: 3, emailed: 1, webhookQueued: true, webhook: { sent: 1, retrying: 0, failed: 0 } });

    // one email, to the admin only, naming the findings without any address
    const outbox = await server.sql<{ to_address: string }>(`SELECT to_address FROM mail_outbox WHERE template = 'security_alerts'`);
    expect(outbox.map((r) => r.to_address)).toEqual([admin]);
    const [mail] = await alertMail(admin);
    expect(mail.subject).toBe("Security alert: 3 new findings");
    expect(mail.text_body).toContain(`brute force: 6 failed sign-ins against account ${victimRow!.id}`);
    expect(mail.text_body).toContain(`account ${hoarderRow!.id} holds 3 live sessions`);
    expect(mail.text_body).not.toContain(victim);

    // one webhook call, signed
    expect(received).toHaveLength(1);
    const call1 = received[0]!;
    expect(call1.headers["content-type"]).toBe("application/json");
    expect(verifySignature(String(call1.headers["portcullis-signature"]), call1.body, WEBHOOK_SECRET, Date.now())).toBe(true);
    expect(verifySignature(String(call1.headers["portcullis-signature"]), call1.body, `${WEBHOOK_SECRET}x`, Date.now())).toBe(false);
    expect(verifySignature(String(call1.headers["portcullis-signature"]), `${call1.body} `, WEBHOOK_SECRET, Date.now())).toBe(false);
    const payload = JSON.parse(call1.body);
    expect(payload.type).toBe("portcullis.security_alerts");
    expect(payload.alerts.map((a: any) => a.kind).sort()).toEqual(["brute_force", "many_sessions", "sign_in_spike"]);
    expect(payload.alerts.find((a: any) => a.kind === "brute_force")).toMatchObject({ userId: victimRow!.id, count: 6 });
    expect(payload.alerts.find((a: any) => a.kind === "many_sessions")).toMatchObject({ userId: hoarderRow!.id, count: 3 });
    expect(call1.body).not.toContain(victim);
    expect(call1.body).not.toContain(hoarder);

    // audited: the raise and the delivery
    const audit = await server.sql<{ event_type: string; result: string; details: any }>(
      `SELECT event_type, result, details FROM audit_logs WHERE event_type LIKE 'security.alert.%' ORDER BY id`,
    );
    expect(audit.map((r) => [r.event_type, r.result])).toEqual([
      ["security.alert.raised", "success"],
      ["security.alert.webhook", "success"],
    ]);
    expect(audit[0]!.details).toMatchObject({ count: 3, emailed: 1 });
    expect(audit[1]!.details).toMatchObject({ attempt: 1, status: 204, deliveryId: Number(call1.headers["portcullis-delivery"]) });

    // the next run: the same findings are still in its window, but nothing is sent again
    const second = await cron();
    expect(second.body.alerts).toEqual({ raised: 0, emailed: 0, webhookQueued: false, webhook: { sent: 0, retrying: 0, failed: 0 } });
    expect(received).toHaveLength(1);
    expect(await server.sql(`SELECT id FROM mail_outbox WHERE template = 'security_alerts'`)).toHaveLength(1);
  });

  it("a failing receiver is retried after the backoff, with the same delivery id and a fresh signature; each attempt is audited", async () => {
    const victim = uniqueEmail("victim2");
    await register(victim);
    await failSignIns(victim, 5, randomIp());
    const before = received.length;
    failNext = 1;

    const failed = await cron();
    expect(failed.body.alerts.raised).toBeGreaterThanOrEqual(1);
    expect(failed.body.alerts.webhook).toEqual({ sent: 0, retrying: 1, failed: 0 });
    expect(received.length).toBe(before + 1);
    expect(received[before]!.status).toBe(500);
    const deliveryId = received[before]!.headers["portcullis-delivery"];
    const [row] = await server.sql<{ status: string; attempts: number; next_attempt_at: string; last_error: string }>(
      `SELECT status, attempts, next_attempt_at, last_error FROM alert_webhook_deliveries WHERE id = $1`,
      [Number(deliveryId)],
    );
    expect(row).toMatchObject({ status: "queued", attempts: 1, last_error: "HTTP 500" });
    const retryAt = Date.parse(row!.next_attempt_at);

    // not due yet: nothing is sent
    expect((await cron(retryAt - 5_000)).body.alerts.webhook).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(received.length).toBe(before + 1);

    // due: retried, same delivery, same body, signed again (for the time of the retry)
    const retried = await cron(retryAt + 1_000);
    expect(retried.body.alerts.webhook).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(received.length).toBe(before + 2);
    const retry = received[before + 1]!;
    expect(retry.headers["portcullis-delivery"]).toBe(deliveryId);
    expect(retry.body).toBe(received[before]!.body);
    expect(verifySignature(String(retry.headers["portcullis-signature"]), retry.body, WEBHOOK_SECRET, retryAt + 1_000)).toBe(true);
    expect(JSON.parse(retry.body).alerts.some((a: any) => a.kind === "brute_force")).toBe(true);

    const attempts = await server.sql<{ result: string; details: any }>(
      `SELECT result, details FROM audit_logs WHERE event_type = 'security.alert.webhook' AND (details->>'deliveryId')::bigint = $1 ORDER BY id`,
      [Number(deliveryId)],
    );
    expect(attempts.map((a) => [a.result, a.details.attempt, a.details.status])).toEqual([
      ["failure", 1, 500],
      ["success", 2, 204],
    ]);
    expect(attempts[0]!.details.nextAttemptAt).toBe(new Date(retryAt).toISOString());
    expect(await server.sql(`SELECT status FROM alert_webhook_deliveries WHERE id = $1`, [Number(deliveryId)])).toEqual([
      { status: "sent" },
    ]);
  });
});
