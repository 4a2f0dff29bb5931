import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SMTPServer } from "smtp-server";
import { resetDb, testDb } from "../support/db";
import { sql } from "../../lib/db";
import { deliverQueuedMail, queueMail } from "../../lib/email/mailer";
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
  it("delivers a queued reset mail over SMTP, then marks the outbox row sent and blanks its body", async () => {
    const db = await testDb();
    const url = link("https://portcullis.test", "/reset-password", "A".repeat(43));
    await queueMail(db, templates.passwordReset("alice@example.com", url, 60), "smtp", new Date());
    const before = await db.query<{ status: string }>(sql`SELECT status FROM mail_outbox`);
    expect(before.rows).toEqual([{ status: "queued" }]);

    const outcome = await deliverQueuedMail(db, smtpTransport(smtpUrl), "Portcullis <no-reply@portcullis.test>");
    expect(outcome).toEqual({ sent: 1, failed: 0 });

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
    expect(after.rows[0]).toMatchObject({ status: "sent", text_body: "", error: null });
    expect(after.rows[0]!.sent_at).not.toBeNull();
  });

  it("marks a message the server refuses as failed, keeps its body, and sends nothing twice", async () => {
    const db = await testDb();
    await queueMail(db, templates.passwordChanged(REFUSED, "https://portcullis.test/reset-password"), "smtp", new Date());
    await queueMail(db, templates.passwordChanged("bob@example.com", "https://portcullis.test/reset-password"), "smtp", new Date());

    expect(await deliverQueuedMail(db, smtpTransport(smtpUrl), "no-reply@portcullis.test")).toEqual({ sent: 1, failed: 1 });
    expect(await deliverQueuedMail(db, smtpTransport(smtpUrl), "no-reply@portcullis.test")).toEqual({ sent: 0, failed: 0 });

    expect(received.map((m) => m.to)).toEqual([["bob@example.com"]]);
    const rows = await db.query<{ to_address: string; status: string; body_kept: boolean; error: string | null }>(
      sql`SELECT to_address, status, text_body <> '' AS body_kept, error FROM mail_outbox ORDER BY id`,
    );
    expect(rows.rows.map((r) => [r.to_address, r.status, r.body_kept])).toEqual([[REFUSED, "failed", true], ["bob@example.com", "sent", false]]);
    expect(rows.rows[0]!.error).toMatch(/550|mailbox unavailable/);
  });
});
