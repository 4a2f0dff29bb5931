/**
 * Mail over SMTP against the real server (issue 10 item 6). The shared test server stores mail
 * in the outbox; this file starts a SECOND `next start` from the same build with
 * MAIL_TRANSPORT=smtp, pointed at a real SMTP server (smtp-server) on 127.0.0.1 that refuses
 * each address's first delivery with a temporary error and accepts the next. Its database is
 * its own (PGlite in memory, or a fresh Postgres database when the suite runs on Postgres).
 * Against it: a refused message stays queued with a retry time, the five-minute cron retries it
 * once due, the row is marked sent only after the server accepted it, the delivered link works,
 * and the outbox row keeps no usable token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { ChildProcess } from "node:child_process";
import { freePort, startNextServer } from "../support/portcullis-server";
import pg from "pg";
import { buildEnv } from "../support/build";
import { SMTPServer } from "smtp-server";
import { databaseUrl, siblingUrl, TEST_APP_URL, TEST_CRON_SECRET, TEST_ORIGIN, usingPglite, usingVercelDriver } from "../support/env";
import { GOOD_PASSWORD, randomIp, uniqueEmail } from "../support/http";
import { createPgDb } from "../../lib/db/pg";
import { migrate } from "../../lib/db/migrate";

const TOKEN_IN_TEXT = /token=([A-Za-z0-9_-]{20,})/;

interface Delivered {
  readonly to: string[];
  readonly raw: string;
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

describe("mail over SMTP: retried until accepted, no usable token at rest", () => {
  const delivered: Delivered[] = [];
  const refusals = new Map<string, number>();
  let smtp: SMTPServer;
  let child: ChildProcess | null = null;
  let base = "";
  let database = "";

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onRcptTo(address, _session, callback) {
        // each address: the first delivery is refused with a temporary error, the next accepted
        const seen = refusals.get(address.address) ?? 0;
        if (seen === 0) {
          refusals.set(address.address, 1);
          return callback(Object.assign(new Error("try again later"), { responseCode: 451 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          delivered.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
    const smtpPort = (smtp.server.address() as { port: number }).port;

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      ...buildEnv("test"),
      APP_URL: TEST_APP_URL,
      ALLOWED_ORIGINS: base,
      CRON_SECRET: TEST_CRON_SECRET,
      BREACHED_PASSWORD_API_URL: inject("breachApiUrl"),
      MAIL_TRANSPORT: "smtp",
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: "Portcullis <no-reply@portcullis.test>",
    };
    if (usingPglite) {
      env.PGLITE_DATA_DIR = "memory://";
    } else {
      database = `portcullis_smtp_w${process.env.VITEST_POOL_ID ?? "0"}_${inject("runId")}`;
      const admin = new pg.Client({ connectionString: databaseUrl! });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.end();
      const dbUrl = siblingUrl(databaseUrl!, database);
      const db = createPgDb(dbUrl, "POSTGRES_URL", 1);
      await migrate(db);
      await db.close();
      env.POSTGRES_URL = usingVercelDriver ? dbUrl.replace("127.0.0.1", "localhost") : dbUrl;
      if (usingVercelDriver) {
        env.PORTCULLIS_DB_DRIVER = "vercel";
        env.POSTGRES_WS_PROXY = inject("wsProxy")!;
      }
    }
    child = (await startNextServer("smtp", port, env, 90_000)).child;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    if (database) {
      const admin = new pg.Client({ connectionString: databaseUrl! });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  async function call(method: string, path: string, init: { headers?: Record<string, string>; json?: unknown; ip?: string } = {}) {
    const headers: Record<string, string> = { origin: TEST_ORIGIN, "x-real-ip": init.ip ?? randomIp(), ...init.headers };
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${base}${path}`, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  }

  async function outbox(to: string, template: string) {
    const res = await fetch(`${base}/api/test/sql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        text: `SELECT status, attempts, next_attempt_at, sent_at, text_body, error FROM mail_outbox WHERE to_address = $1 AND template = $2`,
        values: [to, template],
      }),
    });
    expect(res.status).toBe(200);
    return (
      (await res.json()) as {
        rows: {
          status: string;
          attempts: number;
          next_attempt_at: string | null;
          sent_at: string | null;
          text_body: string;
          error: string | null;
        }[];
      }
    ).rows;
  }

  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("keeps a refused verification mail queued, retries it from the cron once due, marks it sent on acceptance, and keeps no usable token", async () => {
    const email = uniqueEmail("smtp");
    const registeredAt = Date.now();
    expect((await call("POST", "/api/auth/register", { json: { email, password: GOOD_PASSWORD } })).status).toBe(201);

    // the delivery after the response was refused (451): queued, one attempt, due again later
    const [waiting] = await waitFor(
      () => outbox(email, "welcome"),
      (rows) => rows[0]?.attempts === 1 && rows[0]?.error !== null,
      "the first attempt",
    );
    expect(waiting).toMatchObject({ status: "queued", attempts: 1, sent_at: null });
    expect(waiting!.error).toMatch(/451|try again later/);
    expect(Date.parse(waiting!.next_attempt_at!)).toBeGreaterThan(registeredAt);
    expect(delivered.filter((m) => m.to.includes(email))).toEqual([]);

    // not due yet: a cron run now sends nothing
    const early = await call("GET", "/api/cron/sessions", { headers: { authorization: `Bearer ${TEST_CRON_SECRET}` } });
    expect(early.status).toBe(200);
    expect(early.body.mail).toEqual({ sent: 0, retrying: 0, failed: 0 });

    // the five-minute cron, once the retry is due, delivers it
    const due = Date.parse(waiting!.next_attempt_at!) + 1000;
    const cron = await call("GET", "/api/cron/sessions", {
      headers: { authorization: `Bearer ${TEST_CRON_SECRET}`, "x-test-now": String(due) },
    });
    expect(cron.status).toBe(200);
    expect(cron.body.mail).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const mails = delivered.filter((m) => m.to.includes(email));
    expect(mails).toHaveLength(1);
    const token = TOKEN_IN_TEXT.exec(decodeQuotedPrintable(mails[0]!.raw))?.[1];
    expect(token).toBeDefined();

    const [sent] = await outbox(email, "welcome");
    expect(sent).toMatchObject({ status: "sent", attempts: 2, next_attempt_at: null, error: null });
    expect(sent!.sent_at).not.toBeNull();
    expect(sent!.text_body).not.toContain(token!);
    expect(sent!.text_body).not.toMatch(TOKEN_IN_TEXT);
    expect(sent!.text_body).toContain("token=[removed after delivery]");

    // the delivered link is the one that works
    const verified = await call("POST", "/api/auth/email/verify", { json: { token } });
    expect([verified.status, verified.body]).toEqual([200, { status: "email_verified" }]);
  });

  it("delivers a reset link at once when the server accepts it, and the row keeps no usable token", async () => {
    const email = uniqueEmail("smtp-reset");
    refusals.set(email, 1); // this address is accepted at the first try
    expect((await call("POST", "/api/auth/register", { json: { email, password: GOOD_PASSWORD } })).status).toBe(201);
    expect((await call("POST", "/api/auth/password/forgot", { json: { email } })).status).toBe(202);
    const [sent] = await waitFor(
      () => outbox(email, "password_reset"),
      (rows) => rows[0]?.status === "sent",
      "the reset mail",
    );
    expect(sent).toMatchObject({ attempts: 1, error: null });
    expect(sent!.text_body).not.toMatch(TOKEN_IN_TEXT);
    const mail = delivered.find((m) => m.to.includes(email) && /Reset your password/.test(m.raw));
    const token = TOKEN_IN_TEXT.exec(decodeQuotedPrintable(mail!.raw))?.[1];
    expect(token).toBeDefined();
    const reset = await call("POST", "/api/auth/password/reset", { json: { token, password: `${GOOD_PASSWORD} renewed` } });
    expect(reset.status).toBe(200);
  });
});
