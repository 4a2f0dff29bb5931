import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { BREACHED_PASSWORDS, TEST_APP_URL } from "../support/env";
import { Client, GOOD_PASSWORD, latestMail, serverSql, tokenFromMail, uniqueEmail, type RequestOptions } from "../support/http";
import { requestsSettled, settled } from "../support/polling";

const NEW_PASSWORD = "a brand new passphrase for resets";
const FORGOT = "/api/auth/password/forgot";
const RESET = "/api/auth/password/reset";
const MINUTE = 60_000;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const subject = (email: string) => sha256(email.trim().toLowerCase());
const randomToken = () => randomBytes(32).toString("base64url");

async function register(email: string, password = GOOD_PASSWORD): Promise<string> {
  const res = await new Client().post("/api/auth/register", { email, password });
  expect(res.status).toBe(201);
  const [row] = await serverSql<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [email]);
  return row!.id;
}

async function signIn(email: string, password: string, now?: number): Promise<Client> {
  const client = new Client();
  const res = await client.post("/api/auth/login", { email, password }, now ? { now } : {});
  expect(res.status).toBe(200);
  return client;
}

/** POST forgot, waiting for the work the server does after its 202 (the lookup, token and mail). */
function forgot(client: Client, email: string, options: RequestOptions = {}) {
  return settled("password.reset.requested", email, () => client.post(FORGOT, { email }, options));
}

async function mailCount(to: string, template: string): Promise<number> {
  const [row] = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1 AND template = $2`, [
    to,
    template,
  ]);
  return row!.n;
}

/** Asks for a reset and returns the token from the newest reset mail. */
async function resetToken(email: string, now?: number): Promise<string> {
  const res = await forgot(new Client(), email, now ? { now } : {});
  expect(res.status).toBe(202);
  const mail = await latestMail(email, "password_reset");
  return tokenFromMail(mail!.text_body);
}

function comparable(res: { status: number; headers: Headers; body: unknown }) {
  const names = [...res.headers.keys()].filter((n) => !["date", "x-request-id", "content-length"].includes(n)).sort();
  return { status: res.status, body: res.body, headers: names };
}

describe("POST /api/auth/password/forgot", () => {
  it("answers the same status, body and headers for an address with an account and one without (#53)", async () => {
    const known = uniqueEmail("known");
    const unknown = uniqueEmail("unknown");
    const userId = await register(known);
    const a = await forgot(new Client(), known);
    const b = await forgot(new Client(), unknown);
    expect(a.status).toBe(202);
    expect(comparable(a)).toEqual(comparable(b));
    expect(a.headers.get("set-cookie")).toBeNull();
    expect(await mailCount(known, "password_reset")).toBe(1);
    expect(await mailCount(unknown, "password_reset")).toBe(0);
    const audit = await serverSql<{ target_id: string | null; subject_hash: string }>(
      `SELECT target_id, subject_hash FROM audit_logs WHERE event_type = 'password.reset.requested' AND subject_hash = ANY($1) ORDER BY id`,
      [[subject(known), subject(unknown)]],
    );
    expect(audit).toEqual([
      { target_id: userId, subject_hash: subject(known) },
      { target_id: null, subject_hash: subject(unknown) },
    ]);
  });

  it("absorbs a second request within 60 s exactly like an unknown address's, and mails again after 61 s (#21)", async () => {
    const known = uniqueEmail("known");
    const unknown = uniqueEmail("unknown");
    await register(known);
    const t0 = Date.now();
    const client = new Client();
    const first = await forgot(client, known, { now: t0 });
    const again = await forgot(client, known, { now: t0 + 5_000 });
    const unknownFirst = await forgot(client, unknown, { now: t0 });
    const unknownAgain = await forgot(client, unknown, { now: t0 + 5_000 });
    for (const res of [again, unknownFirst, unknownAgain]) expect(comparable(res)).toEqual(comparable(first));
    expect(await mailCount(known, "password_reset")).toBe(1);

    const later = await forgot(client, known, { now: t0 + 61_000 });
    expect(comparable(later)).toEqual(comparable(first));
    expect(await mailCount(known, "password_reset")).toBe(2);
  });

  it("sends at most five reset mails per address per hour (#21)", async () => {
    const email = uniqueEmail();
    await register(email);
    const t0 = Date.now();
    for (let i = 0; i < 7; i++) {
      const res = await forgot(new Client(), email, { now: t0 + i * 61_000 });
      expect(res.status).toBe(202);
    }
    expect(await mailCount(email, "password_reset")).toBe(5);
    await forgot(new Client(), email, { now: t0 + 3_601_000 });
    expect(await mailCount(email, "password_reset")).toBe(6);
  });

  it("limits each IP to 20 requests an hour: then 429 with Retry-After, whatever the address (#21)", async () => {
    const known = uniqueEmail("known");
    await register(known);
    const client = new Client();
    for (let i = 0; i < 20; i++) expect((await forgot(client, uniqueEmail("spray"))).status).toBe(202);
    const limitedKnown = await client.post(FORGOT, { email: known });
    const limitedUnknown = await client.post(FORGOT, { email: uniqueEmail("spray") });
    expect(limitedKnown.status).toBe(429);
    expect(Number(limitedKnown.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limitedKnown.body.error.code).toBe("too_many_requests");
    expect(limitedUnknown.body).toEqual(limitedKnown.body);
    expect(await mailCount(known, "password_reset")).toBe(0);
    expect((await forgot(new Client(), known)).status).toBe(202);
    expect(await mailCount(known, "password_reset")).toBe(1);
  });

  it("builds the link from APP_URL even when Host and X-Forwarded-Host name another site (#57)", async () => {
    const email = uniqueEmail();
    await register(email);
    const res = await forgot(new Client(), email, { headers: { host: "evil.example", "x-forwarded-host": "evil.example" } });
    expect(res.status).toBe(202);
    const mail = await latestMail(email, "password_reset");
    expect(mail!.text_body).toContain(`${TEST_APP_URL}/reset-password#token=`);
    expect(mail!.text_body).not.toContain("evil.example");
  });
});

describe("POST /api/auth/password/reset", () => {
  it("mails a 256-bit token in the URL fragment and stores only its SHA-256 (#54)", async () => {
    const email = uniqueEmail();
    const userId = await register(email);
    const token = await resetToken(email);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const rows = await serverSql<{ token_hash: string; email: string }>(
      `SELECT token_hash, email FROM one_time_tokens WHERE user_id = $1 AND purpose = 'password_reset'`,
      [userId],
    );
    expect(rows).toEqual([{ token_hash: sha256(token), email }]);
    const leaks = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM one_time_tokens WHERE token_hash = $1 OR email = $1`, [
      token,
    ]);
    expect(leaks[0]!.n).toBe(0);
  });

  it("works once: a second use of the same token is 400 invalid_token (#54)", async () => {
    const email = uniqueEmail();
    await register(email);
    const token = await resetToken(email);
    const first = await new Client().post(RESET, { token, password: NEW_PASSWORD });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: "password_reset", message: expect.any(String) });
    const second = await new Client().post(RESET, { token, password: "yet another passphrase to try" });
    expect(second.status).toBe(400);
    expect(second.body.error.code).toBe("invalid_token");
  });

  it("lets exactly one of two parallel resets with the same token win (#54)", async () => {
    const email = uniqueEmail();
    await register(email);
    const token = await resetToken(email);
    const passwords = ["parallel passphrase number one", "parallel passphrase number two"];
    const results = await Promise.all(passwords.map((password) => new Client().post(RESET, { token, password })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const winner = passwords[results.findIndex((r) => r.status === 200)]!;
    const loser = passwords[results.findIndex((r) => r.status === 400)]!;
    expect((await new Client().post("/api/auth/login", { email, password: winner })).status).toBe(200);
    expect((await new Client().post("/api/auth/login", { email, password: loser })).status).toBe(401);
  });

  it("expires after PASSWORD_RESET_TTL_SECONDS: refused 61 minutes after the request, accepted at 59 (#54)", async () => {
    const email = uniqueEmail();
    await register(email);
    const t0 = Date.now();
    const token = await resetToken(email, t0);
    const late = await new Client().post(RESET, { token, password: NEW_PASSWORD }, { now: t0 + 61 * MINUTE });
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe("invalid_token");
    const inTime = await new Client().post(RESET, { token, password: NEW_PASSWORD }, { now: t0 + 59 * MINUTE });
    expect(inTime.status).toBe(200);
  });

  it("voids the older token when a newer one is issued (#55)", async () => {
    const email = uniqueEmail();
    await register(email);
    const t0 = Date.now();
    const older = await resetToken(email, t0);
    const newer = await resetToken(email, t0 + 61_000);
    expect(newer).not.toBe(older);
    const stale = await new Client().post(RESET, { token: older, password: NEW_PASSWORD }, { now: t0 + 62_000 });
    expect(stale.status).toBe(400);
    expect(stale.body.error.code).toBe("invalid_token");
    expect((await new Client().post(RESET, { token: newer, password: NEW_PASSWORD }, { now: t0 + 62_000 })).status).toBe(200);
  });

  it("applies the password policy and leaves the token usable after a refused password (#1, #2, #5, #6, #56)", async () => {
    const email = uniqueEmail("policy");
    await register(email);
    const token = await resetToken(email);
    const cases: [string, string][] = [
      [BREACHED_PASSWORDS[0]!, "password_breached"],
      ["passwordpassword", "password_common"],
      ["Correct Horse Battery Staple", "password_common"],
      ["fourteen chars", "password_too_short"],
      [`${email} and more`, "password_contains_context"],
      ["my portcullis passphrase", "password_contains_context"],
      ["x1 ".repeat(100), "password_too_long"],
      ["x".repeat(10_000), "invalid_request"],
      [GOOD_PASSWORD, "password_reused"],
    ];
    for (const [password, code] of cases) {
      const res = await new Client().post(RESET, { token, password });
      expect([res.status, res.body.error?.code]).toEqual([400, code]);
    }
    expect((await new Client().post(RESET, { token, password: "ünïcödé pässphräse 日本語 🔐" })).status).toBe(200);
    expect((await new Client().post("/api/auth/login", { email, password: "ünïcödé pässphräse 日本語 🔐" })).status).toBe(200);
  });

  it("ends every session and refresh family, mails a notice without the password, marks the email verified and signs nobody in (#56, #48)", async () => {
    const email = uniqueEmail();
    const userId = await register(email);
    const first = await signIn(email, GOOD_PASSWORD);
    const second = await signIn(email, GOOD_PASSWORD);
    await serverSql(
      `INSERT INTO refresh_tokens (session_id, user_id, token_hash) SELECT id, user_id, encode(sha256(id::bytea), 'hex') FROM sessions WHERE user_id = $1`,
      [userId],
    );
    const [before] = await serverSql<{ email_verified_at: string | null }>(`SELECT email_verified_at FROM users WHERE id = $1`, [userId]);
    expect(before!.email_verified_at).toBeNull();

    const token = await resetToken(email);
    const browser = new Client();
    browser.jar.set("__Host-portcullis_session", first.sessionToken()!);
    const res = await browser.post(RESET, { token, password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);

    expect((await first.get("/api/auth/session")).status).toBe(401);
    expect((await second.get("/api/auth/session")).status).toBe(401);
    const live = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, [
      userId,
    ]);
    expect(live[0]!.n).toBe(0);
    const reasons = await serverSql<{ revoked_reason: string }>(`SELECT DISTINCT revoked_reason FROM sessions WHERE user_id = $1`, [
      userId,
    ]);
    expect(reasons).toEqual([{ revoked_reason: "password_reset" }]);
    const families = await serverSql<{ total: number; live: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE revoked_at IS NULL)::int AS live FROM refresh_tokens WHERE user_id = $1`,
      [userId],
    );
    expect(families[0]).toEqual({ total: 2, live: 0 });

    const notice = await latestMail(email, "password_changed");
    expect(notice).toBeDefined();
    expect(notice!.text_body).not.toContain(NEW_PASSWORD);
    expect(notice!.text_body).not.toContain(token);
    const [after] = await serverSql<{ email_verified_at: string | null; hash: string }>(
      `SELECT email_verified_at, password_hash AS hash FROM users WHERE id = $1`,
      [userId],
    );
    expect(after!.email_verified_at).not.toBeNull();
    expect(after!.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const audit = await serverSql<{ result: string; details: { sessionsRevoked: number } }>(
      `SELECT result, details FROM audit_logs WHERE event_type = 'password.reset.completed' AND target_id = $1`,
      [userId],
    );
    expect(audit).toEqual([
      {
        result: "success",
        details: { sessionsRevoked: 2, wasLocked: false, trustedDevicesRevoked: 0, challengesVoided: 0, unverifiedFactorsRemoved: 0 },
      },
    ]);

    const login = await new Client().post("/api/auth/login", { email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.session.aal).toBe(1);
  });

  it("unlocks an account locked by failed sign-ins (#18)", async () => {
    const email = uniqueEmail("locked");
    await register(email);
    const attacker = new Client();
    for (let i = 0; i < 10; i++)
      expect((await attacker.post("/api/auth/login", { email, password: `wrong guess number ${i}` })).status).toBe(401);
    const locked = await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(locked.status).toBe(429);

    const token = await resetToken(email);
    expect((await new Client().post(RESET, { token, password: NEW_PASSWORD })).status).toBe(200);
    expect((await new Client().post("/api/auth/login", { email, password: NEW_PASSWORD })).status).toBe(200);
    const audit = await serverSql<{ details: { wasLocked: boolean } }>(
      `SELECT details FROM audit_logs WHERE event_type = 'password.reset.completed' AND subject_hash = $1`,
      [subject(email)],
    );
    expect(audit[0]!.details.wasLocked).toBe(true);
  });

  it("lifts the hard lock that only a reset can lift (#18)", async () => {
    const email = uniqueEmail("hardlock");
    await register(email);
    await serverSql(
      `INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, hard_locked, last_failure_at) VALUES ($1, 0, 100, 10, true, now())`,
      [subject(email)],
    );
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(429);
    const token = await resetToken(email);
    expect((await new Client().post(RESET, { token, password: NEW_PASSWORD })).status).toBe(200);
    expect((await new Client().post("/api/auth/login", { email, password: NEW_PASSWORD })).status).toBe(200);
    expect(await serverSql(`SELECT 1 FROM login_throttles WHERE subject_hash = $1`, [subject(email)])).toEqual([]);
  });

  it("50 reset requests for a victim change neither the password hash, the lock state nor the sessions (#18)", async () => {
    const email = uniqueEmail("victim");
    const userId = await register(email);
    const victim = await signIn(email, GOOD_PASSWORD);
    const attacker = new Client();
    for (let i = 0; i < 3; i++) await attacker.post("/api/auth/login", { email, password: `attacker guess ${i}` });
    const snapshot = async () => ({
      user: await serverSql(`SELECT password_hash, password_changed_at, email_verified_at, status FROM users WHERE id = $1`, [userId]),
      throttle: await serverSql(
        `SELECT failures, total_failures, lock_count, locked_until, hard_locked FROM login_throttles WHERE subject_hash = $1`,
        [subject(email)],
      ),
      sessions: await serverSql(`SELECT id, revoked_at FROM sessions WHERE user_id = $1 ORDER BY id`, [userId]),
    });
    const before = await snapshot();
    expect(before.throttle).toEqual([expect.objectContaining({ failures: 3 })]);

    for (let batch = 0; batch < 5; batch++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => new Client().post(FORGOT, { email })));
      expect(answers.every((r) => r.status === 202)).toBe(true);
    }
    await requestsSettled("password.reset.requested", email, 50);
    expect(await snapshot()).toEqual(before);
    expect((await victim.get("/api/auth/session")).status).toBe(200);
    expect(await mailCount(email, "password_reset")).toBe(1);
  });

  it("throttles token guesses per IP: 429 with Retry-After, even for a valid token, on reset and verify alike (#58)", async () => {
    const email = uniqueEmail();
    await register(email);
    const token = await resetToken(email);
    const guesser = new Client();
    for (let i = 0; i < 10; i++) {
      const res = await guesser.post(RESET, { token: randomToken(), password: NEW_PASSWORD });
      expect([res.status, res.body.error.code]).toEqual([400, "invalid_token"]);
    }
    const blocked = await guesser.post(RESET, { token, password: NEW_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await guesser.post("/api/auth/email/verify", { token: randomToken() })).status).toBe(429);
    expect((await new Client().post(RESET, { token, password: NEW_PASSWORD })).status).toBe(200);
  });

  it("answers a malformed token like an unknown one, and audits the failure (#54)", async () => {
    const client = new Client();
    const malformed = await client.post(RESET, { token: "not-a-token", password: NEW_PASSWORD });
    const unknown = await client.post(RESET, { token: randomToken(), password: NEW_PASSWORD });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual(unknown.body);
    const audit = await serverSql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_logs WHERE event_type = 'password.reset.completed' AND result = 'failure' AND ip = $1::inet`,
      [client.ip],
    );
    expect(audit[0]!.n).toBe(2);
  });
});

describe("GET /reset-password", () => {
  it("serves the page that receives reset tokens with Referrer-Policy: no-referrer (#57)", async () => {
    const res = await new Client().get("/reset-password");
    expect(res.status).toBe(200);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.text).toContain('<meta name="referrer" content="no-referrer"/>');
  });
});
