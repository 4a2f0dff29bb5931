import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SMTPServer } from "smtp-server";
import { resetDb, testDb } from "../support/db";
import { sql } from "../../lib/db";
import { MAX_ATTEMPTS, deliverDueMail, queueMail, retryDelaySeconds } from "../../lib/email/mailer";
import { smtpTransport } from "../../lib/email/smtp";
import { link, templates } from "../../lib/email/templates";

// A real SMTP server on 127.0.0.1: delivery goes through nodemailer (lib/email/smtp.ts) and the
// outbox (lib/email/mailer.ts) against the test database, as in production with MAIL_TRANSPORT=smtp.
interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

const received: Received[] = [];
const REFUSED = "refused@example.com";
let server: SMTPServer;
let smtpUrl = "";

/** Quoted-printable soft breaks and escapes undone, so the body can be read as sent. */
function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      callback(address.address === REFUSED ? Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  smtpUrl = `smtp://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  received.length = 0;
  await resetDb(await testDb());
});

describe("SMTP delivery of queued mail", () => {
  it("delivers a queued reset mail over SMTP, then marks the outbox row sent and redacts the token in its body", async () => {
    const db = await testDb();
    const url = link("https://portcullis.test", "/reset-password", "A".repeat(43));
    const now = new Date();
    await queueMail(db, templates.passwordReset("alice@example.com", url, 60), "smtp", now);
    const before = await db.query<{ status: string }>(sql`SELECT status FROM mail_outbox`);
    expect(before.rows).toEqual([{ status: "queued" }]);

    const outcome = await deliverDueMail(db, smtpTransport(smtpUrl), "Portcullis <no-reply@portcullis.test>", now);
    expect(outcome).toEqual({ sent: 1, retrying: 0, failed: 0 });

    expect(received).toHaveLength(1);
    const message = received[0]!;
    expect(message.from).toBe("no-reply@portcullis.test");
    expect(message.to).toEqual(["alice@example.com"]);
    expect(message.raw).toMatch(/^Subject: Reset your password\r?$/m);
    expect(message.raw).toMatch(/^To: alice@example\.com\r?$/m);
    expect(decodeQuotedPrintable(message.raw)).toContain(url);

    const after = await db.query<{ status: string; text_body: string; sent_at: Date | null; error: string | null }>(
      sql`SELECT status, text_body, sent_at, error FROM mail_outbox`,
    );
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0]).toMatchObject({ status: "sent", error: null });
    expect(after.rows[0]!.text_body).not.toContain("A".repeat(43));
    expect(after.rows[0]!.text_body).toContain("https://portcullis.test/reset-password#token=[removed after delivery]");
    expect(after.rows[0]!.sent_at).not.toBeNull();
  });

  it("retries a refused message with backoff, sends nothing twice, and gives up (redacted) after the last attempt", async () => {
    const db = await testDb();
    const start = new Date();
    const resetUrl = link("https://portcullis.test", "/reset-password", "B".repeat(43));
    await queueMail(db, templates.passwordReset(REFUSED, resetUrl, 60), "smtp", start);
    await queueMail(db, templates.passwordChanged("bob@example.com", "https://portcullis.test/reset-password"), "smtp", start);
    const transport = smtpTransport(smtpUrl);

    expect(await deliverDueMail(db, transport, "no-reply@portcullis.test", start)).toEqual({ sent: 1, retrying: 1, failed: 0 });
    // not due again yet: nothing is sent twice
    expect(await deliverDueMail(db, transport, "no-reply@portcullis.test", start)).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(received.map((m) => m.to)).toEqual([["bob@example.com"]]);

    const waiting = await db.query<{ status: string; attempts: number; next_attempt_at: Date; text_body: string; error: string | null }>(
      sql`SELECT status, attempts, next_attempt_at, text_body, error FROM mail_outbox WHERE to_address = ${REFUSED}`,
    );
    expect(waiting.rows[0]).toMatchObject({ status: "queued", attempts: 1 });
    expect(waiting.rows[0]!.next_attempt_at.getTime()).toBe(start.getTime() + retryDelaySeconds(1) * 1000);
    expect(waiting.rows[0]!.text_body).toContain(resetUrl); // kept until the server takes it
    expect(waiting.rows[0]!.error).toMatch(/550|mailbox unavailable/);

    let at = start.getTime();
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      at += retryDelaySeconds(attempt - 1) * 1000;
      const last = attempt === MAX_ATTEMPTS;
      expect(await deliverDueMail(db, transport, "no-reply@portcullis.test", new Date(at))).toEqual({
        sent: 0,
        retrying: last ? 0 : 1,
        failed: last ? 1 : 0,
      });
    }
    const rows = await db.query<{ to_address: string; status: string; attempts: number; text_body: string }>(
      sql`SELECT to_address, status, attempts, text_body FROM mail_outbox ORDER BY id`,
    );
    expect(rows.rows.map((r) => [r.to_address, r.status, r.attempts])).toEqual([
      [REFUSED, "failed", MAX_ATTEMPTS],
      ["bob@example.com", "sent", 1],
    ]);
    expect(rows.rows[0]!.text_body).not.toContain("B".repeat(43));
    expect(await deliverDueMail(db, transport, "no-reply@portcullis.test", new Date(at + 86400_000))).toEqual({
      sent: 0,
      retrying: 0,
      failed: 0,
    });
  });
});
