/**
 * Email sign-in codes (issue 15) against the running test server (EMAIL_SIGN_IN_CODES=true in
 * tests/setup/global.ts), plus one server of its own with the feature off.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, GOOD_PASSWORD, latestMail, serverSql, signedInClient, uniqueEmail, type HttpResult } from "../support/http";
import { addressHash, eventually } from "../support/polling";
import { enrolTotp } from "../support/principals";
import { startPortcullis, type StartedServer } from "../support/portcullis-server";

const REQUEST = "/api/auth/email-code/request";
const VERIFY = "/api/auth/email-code/verify";
const MINUTE = 60_000;

async function auditCount(eventType: string, email: string): Promise<number> {
  const [row] = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs WHERE event_type = $1 AND subject_hash = $2`, [
    eventType,
    addressHash(email),
  ]);
  return row!.n;
}

/** POST request, and (when accepted) wait for the lookup, code and mail the server does after its 202. */
async function requestCode(client: Client, email: string, now?: number): Promise<HttpResult> {
  const before = await auditCount("email_code.requested", email);
  const res = await client.post(REQUEST, { email }, now === undefined ? {} : { now });
  if (res.status === 202) {
    await eventually(
      () => auditCount("email_code.requested", email),
      (n) => n > before,
      "email_code.requested",
    );
  }
  return res;
}

async function mailCount(to: string): Promise<number> {
  const [row] = await serverSql<{ n: number }>(
    `SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1 AND template = 'email_sign_in_code'`,
    [to],
  );
  return row!.n;
}

async function codeFromMail(email: string): Promise<string> {
  const mail = await latestMail(email, "email_sign_in_code");
  const match = /\b(\d{8})\b/.exec(mail?.text_body ?? "");
  if (!match) throw new Error(`no code in mail to ${email}`);
  return match[1]!;
}

/** A registered account with a verified address. */
async function verifiedAccount(tag = "code"): Promise<{ email: string; userId: string }> {
  const email = uniqueEmail(tag);
  const reg = await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD });
  expect(reg.status).toBe(201);
  const [row] = await serverSql<{ id: string }>(`UPDATE users SET email_verified_at = now() WHERE email = $1 RETURNING id`, [email]);
  return { email, userId: row!.id };
}

const wrongCode = (code: string) => String((Number(code) + 1) % 100_000_000).padStart(8, "0");

function comparable(res: HttpResult) {
  const names = [...res.headers.keys()].filter((n) => !["date", "x-request-id", "content-length"].includes(n)).sort();
  return { status: res.status, body: res.body, headers: names };
}

describe("POST /api/auth/email-code/request", () => {
  it("answers an account, an unknown address and an unverified account alike, and mails only the account (#53)", async () => {
    const { email: known, userId } = await verifiedAccount("known");
    const unknown = uniqueEmail("unknown");
    const unverified = uniqueEmail("unverified");
    expect((await new Client().post("/api/auth/register", { email: unverified, password: GOOD_PASSWORD })).status).toBe(201);

    const a = await requestCode(new Client(), known);
    const b = await requestCode(new Client(), unknown);
    const c = await requestCode(new Client(), unverified);
    expect(a.status).toBe(202);
    expect(a.body).toEqual({ status: "requested", message: expect.any(String) });
    expect(comparable(b)).toEqual(comparable(a));
    expect(comparable(c)).toEqual(comparable(a));
    expect(a.headers.get("set-cookie")).toBeNull();
    expect(await mailCount(known)).toBe(1);
    expect(await mailCount(unknown)).toBe(0);
    expect(await mailCount(unverified)).toBe(0);

    // only an HMAC is stored, never the code
    const code = await codeFromMail(known);
    const rows = await serverSql<{ code_hash: string; expires_at: string; created_at: string }>(
      `SELECT code_hash, expires_at, created_at FROM email_sign_in_codes WHERE user_id = $1`,
      [userId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(code);
    expect(Date.parse(rows[0]!.expires_at) - Date.parse(rows[0]!.created_at)).toBe(10 * MINUTE);
    const audit = await serverSql<{ subject_hash: string; target_id: string | null; details: Record<string, unknown> }>(
      `SELECT subject_hash, target_id, details FROM audit_logs
       WHERE event_type = 'email_code.requested' AND subject_hash = ANY($1) ORDER BY id`,
      [[addressHash(known), addressHash(unknown), addressHash(unverified)]],
    );
    expect(audit.map((r) => [r.subject_hash, r.target_id !== null, r.details.sent, r.details.reason ?? null])).toEqual([
      [addressHash(known), true, true, null],
      [addressHash(unknown), false, false, "no_active_account"],
      [addressHash(unverified), true, false, "unverified"],
    ]);
  });

  it("absorbs a second request within a minute (no second mail, same answer), and mails a new code after it (#21)", async () => {
    const { email } = await verifiedAccount();
    const start = Date.now();
    const first = await requestCode(new Client(), email, start);
    const second = await requestCode(new Client(), email, start + 10_000);
    expect(comparable(second)).toEqual(comparable(first));
    expect(await mailCount(email)).toBe(1);
    const third = await requestCode(new Client(), email, start + 61_000);
    expect(third.status).toBe(202);
    expect(await mailCount(email)).toBe(2);
  });

  it("limits one IP to MAIL_REQUESTS_PER_IP_PER_HOUR (20) mail requests an hour: then 429 with Retry-After (#21)", async () => {
    const client = new Client();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await client.post(REQUEST, { email: uniqueEmail("ip") })).status);
    expect(statuses.every((s) => s === 202)).toBe(true);
    const refused = await client.post(REQUEST, { email: uniqueEmail("ip") });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("too_many_requests");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("refuses a malformed body with 400 invalid_request", async () => {
    for (const body of [{}, { email: "not an address" }, { email: 42 }]) {
      const res = await new Client().post(REQUEST, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
  });
});

describe("POST /api/auth/email-code/verify", () => {
  it("signs in with the mailed code once: aal1, amr [email], login.success audited; the code never works again", async () => {
    const { email, userId } = await verifiedAccount();
    await requestCode(new Client(), email);
    const code = await codeFromMail(email);
    const client = new Client();
    const res = await client.post(VERIFY, { email, code: `${code.slice(0, 4)} ${code.slice(4)}` });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("signed_in");
    expect(res.body.user.id).toBe(userId);
    expect(client.sessionToken()).toBeDefined();
    const [session] = await serverSql<{ aal: number; amr: string[] }>(`SELECT aal, amr FROM sessions WHERE id = $1`, [res.body.session.id]);
    expect(session).toEqual({ aal: 1, amr: ["email"] });
    expect((await client.get("/api/auth/session")).status).toBe(200);
    expect(await auditCount("email_code.signed_in", email)).toBe(1);
    const [success] = await serverSql<{ details: { amr: string[] } }>(
      `SELECT details FROM audit_logs WHERE event_type = 'login.success' AND session_id = $1`,
      [res.body.session.id],
    );
    expect(success!.details.amr).toEqual(["email"]);

    const again = await new Client().post(VERIFY, { email, code });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe("invalid_sign_in_code");
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("lets exactly one of two parallel requests with the right code sign in", async () => {
    const { email } = await verifiedAccount();
    await requestCode(new Client(), email);
    const code = await codeFromMail(email);
    const results = await Promise.all([1, 2, 3].map(() => new Client().post(VERIFY, { email, code })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it("refuses a code after its 10 minutes (and accepts it just before)", async () => {
    const { email } = await verifiedAccount();
    const start = Date.now();
    await requestCode(new Client(), email, start);
    const code = await codeFromMail(email);
    const late = await new Client().post(VERIFY, { email, code }, { now: start + 10 * MINUTE + 1000 });
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe("invalid_sign_in_code");
    const inTime = await new Client().post(VERIFY, { email, code }, { now: start + 10 * MINUTE - 1000 });
    expect(inTime.status).toBe(200);
  });

  it("supersedes the older code when a new one is sent", async () => {
    const { email } = await verifiedAccount();
    const start = Date.now();
    await requestCode(new Client(), email, start);
    const oldCode = await codeFromMail(email);
    await requestCode(new Client(), email, start + 61_000);
    const newCode = await codeFromMail(email);
    expect((await new Client().post(VERIFY, { email, code: oldCode }, { now: start + 62_000 })).status).toBe(
      oldCode === newCode ? 200 : 401,
    );
    expect((await new Client().post(VERIFY, { email, code: newCode }, { now: start + 62_000 })).status).toBe(
      oldCode === newCode ? 401 : 200,
    );
  });

  it("burns a code after 5 wrong guesses, even when 30 arrive in parallel: at most 5 are ever compared (#58)", async () => {
    const { email } = await verifiedAccount();
    await requestCode(new Client(), email);
    const code = await codeFromMail(email);
    const wrong = wrongCode(code);
    // each from its own IP, so only the per-code limit is in play
    const results = await Promise.all(Array.from({ length: 30 }, () => new Client().post(VERIFY, { email, code: wrong })));
    expect(results.every((r) => r.status === 401 && r.body.error.code === "invalid_sign_in_code")).toBe(true);
    const [row] = await serverSql<{ attempts: number; burned: boolean }>(
      `SELECT attempts, used_at IS NOT NULL AS burned FROM email_sign_in_codes WHERE subject_hash = $1`,
      [addressHash(email)],
    );
    expect(row).toEqual({ attempts: 5, burned: true });
    const compared = await serverSql<{ reason: string; n: number }>(
      `SELECT details->>'reason' AS reason, count(*)::int AS n FROM audit_logs
       WHERE event_type = 'email_code.failure' AND subject_hash = $1 GROUP BY 1 ORDER BY 1`,
      [addressHash(email)],
    );
    expect(compared).toEqual([
      { reason: "no_live_code", n: 25 },
      { reason: "wrong_code", n: 5 },
    ]);
    // the right code is useless now
    expect((await new Client().post(VERIFY, { email, code })).status).toBe(401);
  });

  it("lets a right code through after fewer than 5 wrong guesses", async () => {
    const { email } = await verifiedAccount();
    await requestCode(new Client(), email);
    const code = await codeFromMail(email);
    for (let i = 0; i < 4; i++) expect((await new Client().post(VERIFY, { email, code: wrongCode(code) })).status).toBe(401);
    expect((await new Client().post(VERIFY, { email, code })).status).toBe(200);
  });

  it("answers a guess for an unknown address exactly like a wrong code for a real one (#53)", async () => {
    const { email } = await verifiedAccount();
    await requestCode(new Client(), email);
    const code = await codeFromMail(email);
    const known = await new Client().post(VERIFY, { email, code: wrongCode(code) });
    const unknown = await new Client().post(VERIFY, { email: uniqueEmail("nobody"), code: wrongCode(code) });
    expect(known.status).toBe(401);
    expect(comparable(unknown)).toEqual(comparable(known));
  });

  it("counts wrong codes toward the per-IP sign-in failure limit shared with passwords: 429 with Retry-After (#21)", async () => {
    const client = new Client();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await client.post(VERIFY, { email: uniqueEmail("ipguess"), code: "12345678" })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    const login = await client.post("/api/auth/login", { email: uniqueEmail("ipguess"), password: GOOD_PASSWORD });
    expect(login.status).toBe(429);
  });

  it("never bypasses TOTP: the mfa_required a password gets; the second step ends in amr [email, backup_code] (#22)", async () => {
    const principal = await enrolTotp(await signedInClient({ email: uniqueEmail("totp") }));
    const { email } = principal;
    const byPassword = await new Client().post("/api/auth/login", { email, password: principal.password });
    expect(byPassword.body.status).toBe("mfa_required");

    await requestCode(new Client(), email);
    const code = await codeFromMail(email);
    const client = new Client();
    const res = await client.post(VERIFY, { email, code });
    expect(res.status).toBe(byPassword.status);
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(byPassword.body).sort());
    expect(res.body).toMatchObject({ status: "mfa_required", methods: byPassword.body.methods });
    expect(client.sessionToken()).toBeUndefined();
    expect((await client.get("/api/auth/session")).status).toBe(401);
    // the code is spent by the first step
    expect((await new Client().post(VERIFY, { email, code })).status).toBe(401);

    const second = await client.post("/api/auth/login/mfa", {
      challenge: res.body.challenge,
      code: principal.backupCodes.shift(),
      trustDevice: false,
    });
    expect(second.status).toBe(200);
    const [session] = await serverSql<{ aal: number; amr: string[] }>(`SELECT aal, amr FROM sessions WHERE id = $1`, [
      second.body.session.id,
    ]);
    expect(session).toEqual({ aal: 2, amr: ["email", "backup_code"] });
  });

  it("refuses a disabled account's code like any wrong code", async () => {
    const { email, userId } = await verifiedAccount();
    await requestCode(new Client(), email);
    const code = await codeFromMail(email);
    await serverSql(`UPDATE users SET status = 'disabled', disabled_at = now() WHERE id = $1`, [userId]);
    const res = await new Client().post(VERIFY, { email, code });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_sign_in_code");
  });

  it("offers the option on /sign-in when on", async () => {
    const page = await new Client().get("/sign-in");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Email me a sign-in code");
  });
});

describe("EMAIL_SIGN_IN_CODES off (the default)", () => {
  let server: StartedServer;
  beforeAll(async () => {
    server = await startPortcullis("email-codes-off", { EMAIL_SIGN_IN_CODES: "false" });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("answers both routes 404 email_codes_disabled and hides the option on /sign-in", async () => {
    for (const [path, body] of [
      [REQUEST, { email: uniqueEmail("off") }],
      [VERIFY, { email: uniqueEmail("off"), code: "12345678" }],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: server.appUrl },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("email_codes_disabled");
    }
    const page = await fetch(`${server.url}/sign-in`).then((r) => r.text());
    expect(page).toContain("Sign in");
    expect(page).not.toContain("Email me a sign-in code");
  });
});
