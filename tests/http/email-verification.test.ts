import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, latestMail, serverSql, tokenFromMail, uniqueEmail, type RequestOptions } from "../support/http";
import { requestsSettled, settled } from "../support/polling";

const VERIFY = "/api/auth/email/verify";
const RESEND = "/api/auth/email/verify/resend";
const HOUR = 3_600_000;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Registers (at `now`, if given) and returns the user id and the token from the welcome mail. */
async function register(email: string, now?: number): Promise<{ userId: string; token: string }> {
  const res = await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD }, now ? { now } : {});
  expect(res.status).toBe(201);
  const [row] = await serverSql<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [email]);
  const mail = await latestMail(email, "welcome");
  return { userId: row!.id, token: tokenFromMail(mail!.text_body) };
}

async function signIn(email: string, now?: number): Promise<Client> {
  const client = new Client();
  expect((await client.post("/api/auth/login", { email, password: GOOD_PASSWORD }, now ? { now } : {})).status).toBe(200);
  return client;
}

async function verifiedAt(userId: string): Promise<string | null> {
  const [row] = await serverSql<{ email_verified_at: string | null }>(`SELECT email_verified_at FROM users WHERE id = $1`, [userId]);
  return row!.email_verified_at;
}

/** POST resend (signed out, or signed in for `email` when no body is given), waiting for the work after the 202. */
function resend(client: Client, email: string, body: { email?: string } | undefined = { email }, options: RequestOptions = {}) {
  return settled("email.verification.requested", email, () => client.post(RESEND, body, options));
}

async function mailCount(to: string, template: string): Promise<number> {
  const [row] = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1 AND template = $2`, [
    to,
    template,
  ]);
  return row!.n;
}

describe("POST /api/auth/email/verify", () => {
  it("verifies the address with the 256-bit token from the mail, once: reuse is 400 invalid_token (#59)", async () => {
    const email = uniqueEmail();
    const { userId, token } = await register(email);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const stored = await serverSql<{ token_hash: string; email: string }>(
      `SELECT token_hash, email FROM one_time_tokens WHERE user_id = $1 AND purpose = 'email_verification'`,
      [userId],
    );
    expect(stored).toEqual([{ token_hash: sha256(token), email }]);
    expect(await verifiedAt(userId)).toBeNull();

    const first = await new Client().post(VERIFY, { token });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: "email_verified" });
    expect(await verifiedAt(userId)).not.toBeNull();
    const audit = await serverSql<{ result: string }>(
      `SELECT result FROM audit_logs WHERE event_type = 'email.verified' AND target_id = $1`,
      [userId],
    );
    expect(audit).toEqual([{ result: "success" }]);

    const again = await new Client().post(VERIFY, { token });
    expect([again.status, again.body.error.code]).toEqual([400, "invalid_token"]);
  });

  it("expires after EMAIL_VERIFICATION_TTL_SECONDS: refused 24 h and a minute later, accepted just before (#59)", async () => {
    const email = uniqueEmail();
    const t0 = Date.now();
    const { userId, token } = await register(email, t0);
    const late = await new Client().post(VERIFY, { token }, { now: t0 + 24 * HOUR + 60_000 });
    expect([late.status, late.body.error.code]).toEqual([400, "invalid_token"]);
    expect(await verifiedAt(userId)).toBeNull();
    expect((await new Client().post(VERIFY, { token }, { now: t0 + 24 * HOUR - 60_000 })).status).toBe(200);
  });

  it("is bound to the address: after the account moves to another address, the old token is refused (#59)", async () => {
    const a = uniqueEmail("a");
    const b = uniqueEmail("b");
    const { userId, token } = await register(a);
    const client = await signIn(a);
    expect((await client.post("/api/auth/email/change", { newEmail: b })).status).toBe(202);
    const change = tokenFromMail((await latestMail(b, "email_change_confirm"))!.text_body);
    expect((await client.post(VERIFY, { token: change })).body).toEqual({ status: "email_changed" });

    const stale = await new Client().post(VERIFY, { token });
    expect([stale.status, stale.body.error.code]).toEqual([400, "invalid_token"]);
    const [row] = await serverSql<{ email: string }>(`SELECT email FROM users WHERE id = $1`, [userId]);
    expect(row!.email).toBe(b);
  });

  it("ends the user's other sessions and re-issues the current one when the request carries it (#59, #26)", async () => {
    const email = uniqueEmail();
    const { userId, token } = await register(email);
    const current = await signIn(email);
    const other = await signIn(email);
    const oldToken = current.sessionToken()!;

    const res = await current.post(VERIFY, { token });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(current.sessionToken()).not.toBe(oldToken);
    const me = await current.get("/api/auth/session");
    expect(me.status).toBe(200);
    expect(me.body.user.emailVerified).toBe(true);
    expect(me.body.session.aal).toBe(1);
    expect((await new Client().get("/api/auth/session", { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(401);
    expect((await other.get("/api/auth/session")).status).toBe(401);
    const live = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, [
      userId,
    ]);
    expect(live[0]!.n).toBe(1);
  });

  it("without a session, ends every session of the user and sets no cookie (#59)", async () => {
    const email = uniqueEmail();
    const { token } = await register(email);
    const session = await signIn(email);
    const res = await new Client().post(VERIFY, { token });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await session.get("/api/auth/session")).status).toBe(401);
  });

  it("leaves another user's session alone when that user opens someone else's link (#59)", async () => {
    const owner = uniqueEmail("owner");
    const { token } = await register(owner);
    const bystanderEmail = uniqueEmail("bystander");
    await register(bystanderEmail);
    const bystander = await signIn(bystanderEmail);
    const before = bystander.sessionToken();
    const res = await bystander.post(VERIFY, { token });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(bystander.sessionToken()).toBe(before);
    expect((await bystander.get("/api/auth/session")).status).toBe(200);
  });

  it("throttles invalid tokens per IP: 429 with Retry-After after ten (#58)", async () => {
    const guesser = new Client();
    for (let i = 0; i < 10; i++) {
      const res = await guesser.post(VERIFY, { token: randomBytes(32).toString("base64url") });
      expect(res.status).toBe(400);
    }
    const blocked = await guesser.post(VERIFY, { token: randomBytes(32).toString("base64url") });
    expect([blocked.status, blocked.body.error.code]).toEqual([429, "too_many_requests"]);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("POST /api/auth/email/verify/resend", () => {
  it("mails a signed-in, unverified user a new link that voids the older one, and audits email.verification.requested (#59)", async () => {
    const email = uniqueEmail();
    const { userId, token: older } = await register(email);
    const client = await signIn(email);
    const res = await resend(client, email, undefined);
    expect(res.status).toBe(202);
    const newer = tokenFromMail((await latestMail(email, "verify_email"))!.text_body);
    expect(newer).not.toBe(older);
    expect((await new Client().post(VERIFY, { token: older })).status).toBe(400);
    expect((await new Client().post(VERIFY, { token: newer })).status).toBe(200);
    const audit = await serverSql<{ result: string }>(
      `SELECT result FROM audit_logs WHERE event_type = 'email.verification.requested' AND target_id = $1`,
      [userId],
    );
    expect(audit).toEqual([{ result: "success" }]);
  });

  it("answers signed-out requests the same for unknown, verified and unverified addresses, mailing only the unverified (#21, #53)", async () => {
    const unverified = uniqueEmail("unverified");
    await register(unverified);
    const verified = uniqueEmail("verified");
    const { token } = await register(verified);
    expect((await new Client().post(VERIFY, { token })).status).toBe(200);
    const unknown = uniqueEmail("unknown");

    const answers = await Promise.all([unverified, verified, unknown].map((email) => new Client().post(RESEND, { email })));
    expect(answers[0]!.status).toBe(202);
    for (const email of [unverified, verified, unknown]) await requestsSettled("email.verification.requested", email);
    for (const res of answers) expect([res.status, res.body]).toEqual([answers[0]!.status, answers[0]!.body]);
    expect(await mailCount(unverified, "verify_email")).toBe(1);
    expect(await mailCount(verified, "verify_email")).toBe(0);
    expect(await mailCount(unknown, "verify_email")).toBe(0);
  });

  it("is rate limited: a second request within 60 s is absorbed, a new link goes out after 61 s, and each IP gets 20 an hour (#21)", async () => {
    const email = uniqueEmail();
    await register(email);
    const t0 = Date.now();
    const client = new Client();
    const first = await resend(client, email, { email }, { now: t0 });
    const second = await resend(client, email, { email }, { now: t0 + 10_000 });
    expect([second.status, second.body]).toEqual([first.status, first.body]);
    expect(await mailCount(email, "verify_email")).toBe(1);
    expect((await resend(client, email, { email }, { now: t0 + 61_000 })).status).toBe(202);
    expect(await mailCount(email, "verify_email")).toBe(2);

    for (let i = 3; i < 20; i++)
      expect((await client.post(RESEND, { email: uniqueEmail("spray") }, { now: t0 + 62_000 })).status).toBe(202);
    const limited = await client.post(RESEND, { email }, { now: t0 + 62_000 });
    expect([limited.status, limited.body.error.code]).toEqual([429, "too_many_requests"]);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("needs an email when signed out: 400 invalid_request", async () => {
    const res = await new Client().post(RESEND, {});
    expect([res.status, res.body.error.code]).toEqual([400, "invalid_request"]);
  });
});

describe("GET /verify-email", () => {
  it("serves the page that receives verification tokens with Referrer-Policy: no-referrer (#57)", async () => {
    const res = await new Client().get("/verify-email");
    expect(res.status).toBe(200);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.text).toContain('<meta name="referrer" content="no-referrer"/>');
  });
});
