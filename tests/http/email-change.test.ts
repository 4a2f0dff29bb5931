import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Client, GOOD_PASSWORD, latestMail, serverSql, signedInClient, tokenFromMail, uniqueEmail } from "../support/http";

const CHANGE = "/api/auth/email/change";
const VERIFY = "/api/auth/email/verify";
const MINUTE = 60_000;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function mailCount(to: string, template?: string): Promise<number> {
  const [row] = await serverSql<{ n: number }>(
    `SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1 AND ($2::text IS NULL OR template = $2)`,
    [to, template ?? null],
  );
  return row!.n;
}

async function storedEmail(userId: string): Promise<string> {
  const [row] = await serverSql<{ email: string }>(`SELECT email FROM users WHERE id = $1`, [userId]);
  return row!.email;
}

describe("POST /api/auth/email/change", () => {
  it("needs a recent re-authentication: 403 reauth_required until POST /api/auth/reauth (#35, #60)", async () => {
    const { client } = await signedInClient();
    const later = Date.now() + 11 * MINUTE;
    const newEmail = uniqueEmail("new");
    const refused = await client.post(CHANGE, { newEmail }, { now: later });
    expect([refused.status, refused.body.error.code]).toEqual([403, "reauth_required"]);
    expect(await mailCount(newEmail)).toBe(0);
    expect((await client.post("/api/auth/reauth", { password: GOOD_PASSWORD }, { now: later })).status).toBe(200);
    expect((await client.post(CHANGE, { newEmail }, { now: later + 1000 })).status).toBe(202);
    expect(await mailCount(newEmail, "email_change_confirm")).toBe(1);
  });

  it("needs a session: 401 without one", async () => {
    const res = await new Client().post(CHANGE, { newEmail: uniqueEmail() });
    expect([res.status, res.body.error.code]).toEqual([401, "unauthenticated"]);
  });

  it("keeps the stored email until the new address confirms, tells the old address, then moves the account (#60)", async () => {
    const oldEmail = uniqueEmail("old");
    const { client, userId } = await signedInClient({ email: oldEmail });
    const other = new Client();
    expect((await other.post("/api/auth/login", { email: oldEmail, password: GOOD_PASSWORD })).status).toBe(200);
    const newEmail = uniqueEmail("new");

    const res = await client.post(CHANGE, { newEmail });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("pending_confirmation");
    expect(await storedEmail(userId)).toBe(oldEmail);
    expect((await client.get("/api/auth/session")).body.user.email).toBe(oldEmail);
    const requested = await latestMail(oldEmail, "email_change_requested");
    expect(requested).toBeDefined();
    expect(requested!.text_body).not.toMatch(/token=/);
    const token = tokenFromMail((await latestMail(newEmail, "email_change_confirm"))!.text_body);
    const stored = await serverSql<{ email: string; token_hash: string }>(
      `SELECT email, token_hash FROM one_time_tokens WHERE user_id = $1 AND purpose = 'email_change' AND used_at IS NULL`,
      [userId],
    );
    expect(stored).toEqual([{ email: newEmail, token_hash: sha256(token) }]);

    const oldToken = client.sessionToken()!;
    const confirm = await client.post(VERIFY, { token });
    expect([confirm.status, confirm.body]).toEqual([200, { status: "email_changed" }]);
    expect(client.sessionToken()).not.toBe(oldToken);
    const me = await client.get("/api/auth/session");
    expect(me.body.user).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await other.get("/api/auth/session")).status).toBe(401);
    expect(await storedEmail(userId)).toBe(newEmail);
    expect(await latestMail(oldEmail, "email_changed")).toBeDefined();

    expect((await new Client().post("/api/auth/login", { email: newEmail, password: GOOD_PASSWORD })).status).toBe(200);
    expect((await new Client().post("/api/auth/login", { email: oldEmail, password: GOOD_PASSWORD })).status).toBe(401);
    const audit = await serverSql<{ event_type: string; result: string }>(
      `SELECT event_type, result FROM audit_logs WHERE target_id = $1 AND event_type IN ('email.change.requested', 'email.changed') ORDER BY id`,
      [userId],
    );
    expect(audit).toEqual([
      { event_type: "email.change.requested", result: "success" },
      { event_type: "email.changed", result: "success" },
    ]);
    expect((await client.post(VERIFY, { token })).status).toBe(400);
  });

  it("answers a new address that belongs to another account exactly like a free one, and mails no link to it (#60)", async () => {
    const takenEmail = uniqueEmail("taken");
    await signedInClient({ email: takenEmail });
    const a = await signedInClient();
    const b = await signedInClient();
    const free = uniqueEmail("free");

    const toTaken = await a.client.post(CHANGE, { newEmail: takenEmail });
    const toFree = await b.client.post(CHANGE, { newEmail: free });
    expect([toTaken.status, toTaken.body]).toEqual([toFree.status, toFree.body]);
    expect(await mailCount(a.email, "email_change_requested")).toBe(1);
    expect(await mailCount(b.email, "email_change_requested")).toBe(1);
    expect(await mailCount(takenEmail, "email_change_confirm")).toBe(0);
    expect(await mailCount(takenEmail, "email_in_use")).toBe(1);
    expect(await mailCount(free, "email_change_confirm")).toBe(1);
    const tokens = await serverSql(`SELECT 1 FROM one_time_tokens WHERE user_id = $1 AND purpose = 'email_change'`, [a.userId]);
    expect(tokens).toEqual([]);
    expect(await storedEmail(a.userId)).toBe(a.email);
  });

  it("refuses the confirmation when the new address was taken by another account in the meantime (#60)", async () => {
    const { client, email, userId } = await signedInClient();
    const newEmail = uniqueEmail("contested");
    expect((await client.post(CHANGE, { newEmail })).status).toBe(202);
    const token = tokenFromMail((await latestMail(newEmail, "email_change_confirm"))!.text_body);
    expect((await new Client().post("/api/auth/register", { email: newEmail, password: GOOD_PASSWORD })).status).toBe(201);
    const res = await client.post(VERIFY, { token });
    expect([res.status, res.body.error.code]).toEqual([400, "invalid_token"]);
    expect(await storedEmail(userId)).toBe(email);
  });

  it("voids an older change request when a newer one is made (#55, #60)", async () => {
    const { client, userId } = await signedInClient();
    const first = uniqueEmail("first");
    const second = uniqueEmail("second");
    expect((await client.post(CHANGE, { newEmail: first })).status).toBe(202);
    expect((await client.post(CHANGE, { newEmail: second })).status).toBe(202);
    const stale = tokenFromMail((await latestMail(first, "email_change_confirm"))!.text_body);
    expect((await client.post(VERIFY, { token: stale })).status).toBe(400);
    const fresh = tokenFromMail((await latestMail(second, "email_change_confirm"))!.text_body);
    expect((await client.post(VERIFY, { token: fresh })).status).toBe(200);
    expect(await storedEmail(userId)).toBe(second);
  });

  it("mails one link per new address per minute: a quick repeat is absorbed with the same answer (#21)", async () => {
    const { client } = await signedInClient();
    const newEmail = uniqueEmail("new");
    const t0 = Date.now();
    const first = await client.post(CHANGE, { newEmail }, { now: t0 });
    const again = await client.post(CHANGE, { newEmail }, { now: t0 + 5000 });
    expect([again.status, again.body]).toEqual([first.status, first.body]);
    expect(await mailCount(newEmail, "email_change_confirm")).toBe(1);
  });

  it("refuses the current address with 400 email_unchanged", async () => {
    const { client, email } = await signedInClient();
    const res = await client.post(CHANGE, { newEmail: email.toUpperCase() });
    expect([res.status, res.body.error.code]).toEqual([400, "email_unchanged"]);
  });
});
