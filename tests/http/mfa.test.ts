import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, latestMail, serverSql, uniqueEmail } from "../support/http";
import { totpAt as totp, wrongTotpAt as wrongTotp } from "../support/totp";

// The server's clock is set per request (x-test-now); codes are computed here at that time.
const STEP_MS = 30_000;
const MINUTE_MS = 60_000;
const SESSION_COOKIE = "__Host-portcullis_session";

/** One second into the next 30-second step, so a test owns whole steps. */
function nextStep(): number {
  return (Math.floor(Date.now() / STEP_MS) + 1) * STEP_MS + 1000;
}

/** A well-formed backup code that is none of the user's (its lookup prefix matches none of theirs). */
function wrongBackupCode(codes: readonly string[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const taken = new Set(codes.map((c) => c.slice(0, 4)));
  let code: string;
  do {
    code = Array.from({ length: 5 }, () => Array.from(randomBytes(4), (b) => alphabet[b & 31]).join("")).join("-");
  } while (taken.has(code.slice(0, 4)));
  return code;
}

interface Account {
  client: Client;
  email: string;
  password: string;
  userId: string;
}

interface MfaAccount extends Account {
  secret: string;
  backupCodes: string[];
}

async function account(at: number): Promise<Account> {
  const email = uniqueEmail("mfa");
  const client = new Client();
  client.now = at;
  expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  // TOTP enrolment needs a verified address
  await serverSql("UPDATE users SET email_verified_at = now() WHERE email = $1", [email]);
  const login = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
  expect(login.status).toBe(200);
  return { client, email, password: GOOD_PASSWORD, userId: login.body.user.id };
}

/** An account with TOTP confirmed at `at` (so the step of `at` counts as used). */
async function enrolled(at: number): Promise<MfaAccount> {
  const user = await account(at);
  const setup = await user.client.post("/api/auth/mfa/totp/setup", undefined, { now: at });
  expect(setup.status).toBe(200);
  const confirm = await user.client.post("/api/auth/mfa/totp/confirm", { code: totp(setup.body.secret, at) }, { now: at });
  expect(confirm.status).toBe(200);
  return { ...user, secret: setup.body.secret, backupCodes: confirm.body.backupCodes };
}

/** The password step for a user with MFA: returns the challenge (and the client that holds nothing else). */
async function passwordStep(user: Account, at: number, client = new Client()): Promise<{ client: Client; challenge: string }> {
  const res = await client.post("/api/auth/login", { email: user.email, password: user.password }, { now: at });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe("mfa_required");
  return { client, challenge: res.body.challenge };
}

function secondStep(client: Client, challenge: string, code: string, at: number) {
  return client.post("/api/auth/login/mfa", { challenge, code }, { now: at });
}

async function sessionOf(client: Client, at: number) {
  return client.get("/api/auth/session", { now: at });
}

function withToken(token: string | undefined, at: number) {
  return new Client().get("/api/auth/session", { now: at, headers: { authorization: `Bearer ${token}` } });
}

describe("TOTP enrolment (#44, #51, #52)", { timeout: 180_000 }, () => {
  it("setup returns a 160-bit base32 secret, an otpauth URI (SHA1, 6 digits, 30 s) and an SVG QR code, and MFA stays off until confirmed", async () => {
    const at = nextStep();
    const user = await account(at);
    const setup = await user.client.post("/api/auth/mfa/totp/setup", undefined, { now: at });
    expect(setup.status).toBe(200);
    expect(setup.body.status).toBe("pending");
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(setup.body.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(setup.body.secret);
    expect(uri.searchParams.get("algorithm")).toBe("SHA1");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("period")).toBe("30");
    expect(setup.body.qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const [factor] = await serverSql("SELECT status FROM mfa_factors WHERE user_id = $1", [user.userId]);
    expect(factor.status).toBe("pending");
    const login = await new Client().post("/api/auth/login", { email: user.email, password: user.password }, { now: at });
    expect(login.body.status).toBe("signed_in");
  });

  it("a wrong confirmation code answers 400 and leaves MFA off", async () => {
    const at = nextStep();
    const user = await account(at);
    const setup = await user.client.post("/api/auth/mfa/totp/setup", undefined, { now: at });
    const confirm = await user.client.post("/api/auth/mfa/totp/confirm", { code: wrongTotp(setup.body.secret, at) }, { now: at });
    expect(confirm.status).toBe(400);
    expect(confirm.body.error.code).toBe("invalid_setup_code");
    expect(await serverSql("SELECT 1 FROM mfa_factors WHERE user_id = $1 AND status = 'active'", [user.userId])).toHaveLength(0);
    expect(await serverSql("SELECT 1 FROM mfa_backup_codes WHERE user_id = $1", [user.userId])).toHaveLength(0);
    const login = await new Client().post("/api/auth/login", { email: user.email, password: user.password }, { now: at });
    expect(login.body.status).toBe("signed_in");
  });

  it("a second setup gives a new secret, and codes from the previous secret no longer confirm", async () => {
    const at = nextStep();
    const user = await account(at);
    const first = await user.client.post("/api/auth/mfa/totp/setup", undefined, { now: at });
    const second = await user.client.post("/api/auth/mfa/totp/setup", undefined, { now: at });
    expect(second.status).toBe(200);
    expect(second.body.secret).not.toBe(first.body.secret);
    expect(await serverSql("SELECT 1 FROM mfa_factors WHERE user_id = $1", [user.userId])).toHaveLength(1);
    const stale = await user.client.post("/api/auth/mfa/totp/confirm", { code: totp(first.body.secret, at) }, { now: at });
    expect(stale.status).toBe(400);
    expect(stale.body.error.code).toBe("invalid_setup_code");
    const confirm = await user.client.post("/api/auth/mfa/totp/confirm", { code: totp(second.body.secret, at) }, { now: at });
    expect(confirm.status).toBe(200);
    expect(confirm.body.status).toBe("enabled");
    expect(confirm.body.backupCodes).toHaveLength(10);
    for (const code of confirm.body.backupCodes) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$/);
    expect(confirm.body.session.aal).toBe(2);
    const challenged = await new Client().post("/api/auth/login", { email: user.email, password: user.password }, { now: at });
    expect(challenged.body.status).toBe("mfa_required");
  });

  it("stores the secret as an AES-256-GCM envelope, never returns it after setup, and keeps secrets and codes out of the audit log", async () => {
    const at = nextStep();
    const user = await account(at);
    const setup = await user.client.post("/api/auth/mfa/totp/setup", undefined, { now: at });
    const secret: string = setup.body.secret;
    const confirmCode = totp(secret, at);
    const confirm = await user.client.post("/api/auth/mfa/totp/confirm", { code: confirmCode }, { now: at });
    expect(confirm.status).toBe(200);
    const [row] = await serverSql("SELECT encrypted_secret FROM mfa_factors WHERE user_id = $1", [user.userId]);
    expect(row.encrypted_secret).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{40,}$/);
    expect(row.encrypted_secret).not.toContain(secret);
    expect(row.encrypted_secret).not.toMatch(/^[A-Z2-7]{32}$/);

    // a sign-in with a TOTP code, one with a backup code, and a failure
    const later = at + 2 * STEP_MS;
    const a = await passwordStep(user, later);
    expect((await secondStep(a.client, a.challenge, wrongTotp(secret, later), later)).status).toBe(401);
    const loginCode = totp(secret, later);
    expect((await secondStep(a.client, a.challenge, loginCode, later)).status).toBe(200);
    const b = await passwordStep(user, later);
    expect((await secondStep(b.client, b.challenge, confirm.body.backupCodes[0], later)).status).toBe(200);

    const responses = [
      confirm.text,
      (await sessionOf(user.client, later)).text,
      (await user.client.get("/api/auth/sessions", { now: later })).text,
    ];
    for (const text of responses) expect(text).not.toContain(secret);
    expect(confirm.text).not.toContain(secret);

    const audit = await serverSql("SELECT event_type, details::text AS details FROM audit_logs WHERE actor_id = $1 OR target_id = $1", [
      user.userId,
    ]);
    expect(audit.map((r) => r.event_type)).toEqual(
      expect.arrayContaining(["mfa.setup", "mfa.enrolled", "mfa.failed", "mfa.success", "backup_code.used"]),
    );
    const dump = JSON.stringify(audit);
    const needles = [secret, confirmCode, loginCode, ...confirm.body.backupCodes.flatMap((c: string) => [c, c.replace(/-/g, "")])];
    for (const needle of needles) expect(dump).not.toContain(needle);
    const mail = JSON.stringify(await serverSql("SELECT text_body FROM mail_outbox WHERE to_address = $1", [user.email]));
    for (const needle of needles) expect(mail).not.toContain(needle);
  });
});

describe("two-step sign-in and the MFA challenge (#36, #47)", { timeout: 180_000 }, () => {
  it("the password step returns a challenge and no session; the second step issues a new aal2 session", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const client = new Client();
    const login = await client.post("/api/auth/login", { email: user.email, password: user.password }, { now: t });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ status: "mfa_required", methods: ["totp", "backup_code"] });
    expect(login.headers.getSetCookie()).toEqual([]);
    expect((await sessionOf(client, t)).status).toBe(401);
    // the challenge is not a session token
    expect((await withToken(login.body.challenge, t)).status).toBe(401);

    const done = await secondStep(client, login.body.challenge, totp(user.secret, t), t);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("signed_in");
    expect(done.body.session).toMatchObject({ aal: 2, amr: ["pwd", "otp"] });
    expect(done.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(true);
    const me = await sessionOf(client, t);
    expect(me.status).toBe(200);
    expect(me.body.session).toMatchObject({ aal: 2, amr: ["pwd", "otp"] });
  });

  it("a challenge expires after 5 minutes", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const late = await passwordStep(user, t);
    const expiredAt = t + 5 * MINUTE_MS + 1000;
    const res = await secondStep(late.client, late.challenge, totp(user.secret, expiredAt), expiredAt);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_challenge");
    const t2 = expiredAt + STEP_MS;
    const timely = await passwordStep(user, t2);
    const justInTime = t2 + 5 * MINUTE_MS - 1000;
    expect((await secondStep(timely.client, timely.challenge, totp(user.secret, justInTime), justInTime)).status).toBe(200);
  });

  it("a challenge works once", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const { client, challenge } = await passwordStep(user, t);
    expect((await secondStep(client, challenge, totp(user.secret, t), t)).status).toBe(200);
    const again = await secondStep(new Client(), challenge, totp(user.secret, t + STEP_MS), t + STEP_MS);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe("invalid_challenge");
  });

  it("a challenge is bound to its user: user A's challenge with user B's code is refused", async () => {
    const at = nextStep();
    const [a, b] = await Promise.all([enrolled(at), enrolled(at)]);
    const t = at + STEP_MS;
    const { client, challenge } = await passwordStep(a, t);
    const crossed = await secondStep(client, challenge, totp(b.secret, t), t);
    expect(crossed.status).toBe(401);
    expect(crossed.body.error.code).toBe("invalid_mfa_code");
    const crossedBackup = await secondStep(client, challenge, b.backupCodes[0]!, t);
    expect(crossedBackup.status).toBe(401);
    expect((await sessionOf(client, t)).status).toBe(401);
  });

  it("a challenge from the token route ends in an aal2 token pair, not a cookie session", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const client = new Client();
    const first = await client.post("/api/auth/token", { email: user.email, password: user.password }, { now: t });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("mfa_required");
    const done = await secondStep(client, first.body.challenge, totp(user.secret, t), t);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ tokenType: "Bearer", refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(done.headers.getSetCookie()).toEqual([]);
    const claims = JSON.parse(Buffer.from(done.body.accessToken.split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({ sub: user.userId, aal: 2, amr: ["pwd", "otp"] });
  });

  it("the second step without a password step is refused", async () => {
    const t = nextStep();
    const forged = `${randomBytes(16).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
    for (const challenge of [forged, "not-a-challenge"]) {
      const res = await secondStep(new Client(), challenge, "123456", t);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_challenge");
    }
  });
});

describe("TOTP verification window and replay (#45, #46)", { timeout: 180_000 }, () => {
  it("accepts codes from steps T and T-1, and rejects T-2 and T+1", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + 10 * STEP_MS;
    const first = await passwordStep(user, t);
    for (const offset of [-2, +1]) {
      const res = await secondStep(first.client, first.challenge, totp(user.secret, t + offset * STEP_MS), t);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_mfa_code");
    }
    expect((await secondStep(first.client, first.challenge, totp(user.secret, t - STEP_MS), t)).status).toBe(200);
    const second = await passwordStep(user, t);
    expect((await secondStep(second.client, second.challenge, totp(user.secret, t), t)).status).toBe(200);
  });

  it("rejects a TOTP code reused within the same time step, and any code from an earlier step", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + 4 * STEP_MS;
    const code = totp(user.secret, t);
    const first = await passwordStep(user, t);
    expect((await secondStep(first.client, first.challenge, code, t)).status).toBe(200);
    const second = await passwordStep(user, t);
    const replay = await secondStep(second.client, second.challenge, code, t);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("otp_already_used");
    const older = await secondStep(second.client, second.challenge, totp(user.secret, t - STEP_MS), t);
    expect(older.status).toBe(401);
    expect(older.body.error.code).toBe("otp_already_used");
    // the confirmation code's step was used too
    const c = await passwordStep(user, at);
    expect((await secondStep(c.client, c.challenge, totp(user.secret, at), at)).body.error.code).toBe("otp_already_used");
  });

  it("of two parallel submissions of the same code, exactly one succeeds", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + 3 * STEP_MS;
    const [a, b] = await Promise.all([passwordStep(user, t), passwordStep(user, t)]);
    const code = totp(user.secret, t);
    const results = await Promise.all([secondStep(a.client, a.challenge, code, t), secondStep(b.client, b.challenge, code, t)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)!.body.error.code).toBe("otp_already_used");
    const [factor] = await serverSql("SELECT last_used_step::text AS step FROM mfa_factors WHERE user_id = $1", [user.userId]);
    expect(Number(factor.step)).toBe(Math.floor(t / STEP_MS));
  });
});

describe("backup codes (#49, #50)", { timeout: 180_000 }, () => {
  it("stores only argon2id hashes with their own salts; a code works once and the other codes still work", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const rows = await serverSql("SELECT lookup, code_hash FROM mfa_backup_codes WHERE user_id = $1", [user.userId]);
    expect(rows).toHaveLength(10);
    const salts = new Set(rows.map((r) => r.code_hash.split("$")[4]));
    expect(salts.size).toBe(10);
    for (const r of rows) {
      expect(r.code_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=1\$/);
      for (const code of user.backupCodes) expect(r.code_hash).not.toContain(code.replace(/-/g, "").slice(4));
    }
    expect(rows.map((r) => r.lookup).sort()).toEqual(user.backupCodes.map((c) => c.slice(0, 4)).sort());

    const t = at + STEP_MS;
    const first = await passwordStep(user, t);
    const used = await secondStep(first.client, first.challenge, user.backupCodes[0]!, t);
    expect(used.status).toBe(200);
    expect(used.body.session).toMatchObject({ aal: 2, amr: ["pwd", "backup_code"] });
    const second = await passwordStep(user, t);
    const again = await secondStep(second.client, second.challenge, user.backupCodes[0]!, t);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe("code_already_used");
    const other = user.backupCodes[1]!.toLowerCase().replace(/-/g, " ");
    expect((await secondStep(second.client, second.challenge, other, t)).status).toBe(200);
    const [{ spent }] = await serverSql("SELECT count(*)::int AS spent FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NOT NULL", [
      user.userId,
    ]);
    expect(spent).toBe(2);
  });

  it("regeneration needs the re-authentication window, voids every old code, and the codes are shown only at creation", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const stale = at + 11 * MINUTE_MS;
    const refused = await user.client.post("/api/auth/mfa/backup-codes", undefined, { now: stale });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("reauth_required");
    expect(
      (await user.client.post("/api/auth/reauth", { password: user.password, code: totp(user.secret, stale) }, { now: stale })).status,
    ).toBe(200);
    const fresh = await user.client.post("/api/auth/mfa/backup-codes", undefined, { now: stale });
    expect(fresh.status).toBe(200);
    expect(fresh.body.backupCodes).toHaveLength(10);
    expect(fresh.body.backupCodes).not.toContain(user.backupCodes[0]);
    expect(await serverSql("SELECT 1 FROM mfa_backup_codes WHERE user_id = $1", [user.userId])).toHaveLength(10);

    const t = stale + STEP_MS;
    const { client, challenge } = await passwordStep(user, t);
    for (const old of user.backupCodes.slice(0, 2)) {
      const res = await secondStep(client, challenge, old, t);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_mfa_code");
    }
    expect((await secondStep(client, challenge, fresh.body.backupCodes[0], t)).status).toBe(200);
    const everything = [(await sessionOf(user.client, t)).text, (await user.client.get("/api/auth/devices", { now: t })).text];
    for (const text of everything) for (const code of fresh.body.backupCodes) expect(text).not.toContain(code);
  });
});

describe("second-factor failures (#16)", { timeout: 180_000 }, () => {
  it("five failures, TOTP and backup codes mixed, block even a correct code for 15 minutes and email the user", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const { client, challenge } = await passwordStep(user, t);
    const wrong = [
      wrongTotp(user.secret, t),
      wrongBackupCode(user.backupCodes),
      wrongTotp(user.secret, t),
      wrongBackupCode(user.backupCodes),
      wrongTotp(user.secret, t),
    ];
    for (const code of wrong) {
      const res = await secondStep(client, challenge, code, t);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_mfa_code");
    }
    const blocked = await secondStep(client, challenge, totp(user.secret, t), t);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("mfa_locked");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
    const blockedBackup = await secondStep(client, challenge, user.backupCodes[0]!, t);
    expect(blockedBackup.status).toBe(429);
    // attempts during the block are not counted
    const [state] = await serverSql("SELECT mfa_failed_count FROM users WHERE id = $1", [user.userId]);
    expect(state.mfa_failed_count).toBe(5);
    const mail = await latestMail(user.email, "mfa_locked");
    expect(mail?.subject).toMatch(/two-factor/i);
    expect(await serverSql("SELECT 1 FROM audit_logs WHERE target_id = $1 AND event_type = 'mfa.locked'", [user.userId])).toHaveLength(1);
    expect(await serverSql("SELECT 1 FROM audit_logs WHERE target_id = $1 AND event_type = 'mfa.failed'", [user.userId])).toHaveLength(7);

    const after = t + 15 * MINUTE_MS + 1000;
    const retry = await passwordStep(user, after);
    expect((await secondStep(retry.client, retry.challenge, totp(user.secret, after), after)).status).toBe(200);
    const [reset] = await serverSql("SELECT mfa_failed_count, mfa_locked_until FROM users WHERE id = $1", [user.userId]);
    expect(reset).toEqual({ mfa_failed_count: 0, mfa_locked_until: null });
  });

  it("a success resets the failure count", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const { client, challenge } = await passwordStep(user, t);
    for (let i = 0; i < 4; i++) expect((await secondStep(client, challenge, wrongTotp(user.secret, t), t)).status).toBe(401);
    expect((await secondStep(client, challenge, totp(user.secret, t), t)).status).toBe(200);
    const [state] = await serverSql("SELECT mfa_failed_count FROM users WHERE id = $1", [user.userId]);
    expect(state.mfa_failed_count).toBe(0);
    const t2 = t + STEP_MS;
    const next = await passwordStep(user, t2);
    for (let i = 0; i < 4; i++) expect((await secondStep(next.client, next.challenge, wrongTotp(user.secret, t2), t2)).status).toBe(401);
    expect((await secondStep(next.client, next.challenge, totp(user.secret, t2), t2)).status).toBe(200);
  });
});

describe("re-authentication and factor changes (#33, #35, #51)", { timeout: 180_000 }, () => {
  it("setup, disable and regenerate answer 403 reauth_required outside the re-authentication window", async () => {
    const at = nextStep();
    const [plain, user] = await Promise.all([account(at), enrolled(at)]);
    const stale = at + 11 * MINUTE_MS;
    const cases: [Client, string][] = [
      [plain.client, "/api/auth/mfa/totp/setup"],
      [user.client, "/api/auth/mfa/totp/disable"],
      [user.client, "/api/auth/mfa/backup-codes"],
    ];
    for (const [client, path] of cases) {
      const res = await client.post(path, undefined, { now: stale });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe("reauth_required");
    }
    expect((await plain.client.post("/api/auth/reauth", { password: plain.password }, { now: stale })).status).toBe(200);
    expect((await plain.client.post("/api/auth/mfa/totp/setup", undefined, { now: stale })).status).toBe(200);
  });

  it("re-authentication of a user with TOTP needs a valid code, issues a new aal2 session and opens the window", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const stale = at + 11 * MINUTE_MS;
    const oldToken = user.client.sessionToken();
    const noCode = await user.client.post("/api/auth/reauth", { password: user.password }, { now: stale });
    expect(noCode.status).toBe(403);
    expect(noCode.body.error.code).toBe("mfa_required");
    const badCode = await user.client.post(
      "/api/auth/reauth",
      { password: user.password, code: wrongTotp(user.secret, stale) },
      { now: stale },
    );
    expect(badCode.status).toBe(401);
    expect(badCode.body.error.code).toBe("invalid_mfa_code");
    const ok = await user.client.post("/api/auth/reauth", { password: user.password, code: totp(user.secret, stale) }, { now: stale });
    expect(ok.status).toBe(200);
    expect(user.client.sessionToken()).not.toBe(oldToken);
    expect((await withToken(oldToken, stale)).status).toBe(401);
    const me = await sessionOf(user.client, stale);
    expect(me.body.session.aal).toBe(2);
    expect(me.body.session.amr).toContain("otp");
    const disabled = await user.client.post("/api/auth/mfa/totp/disable", undefined, { now: stale });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe("disabled");
  });

  it("enabling MFA ends the other sessions, re-issues the current one and sends a notice", async () => {
    const at = nextStep();
    const user = await account(at);
    const other = new Client();
    expect((await other.post("/api/auth/login", { email: user.email, password: user.password }, { now: at })).status).toBe(200);
    const before = user.client.sessionToken();
    const setup = await user.client.post("/api/auth/mfa/totp/setup", undefined, { now: at });
    const confirm = await user.client.post("/api/auth/mfa/totp/confirm", { code: totp(setup.body.secret, at) }, { now: at });
    expect(confirm.status).toBe(200);
    expect(confirm.body.revokedSessions).toBe(1);
    expect((await sessionOf(other, at)).status).toBe(401);
    expect((await withToken(before, at)).status).toBe(401);
    expect((await sessionOf(user.client, at)).body.session.aal).toBe(2);
    expect((await latestMail(user.email, "mfa_enabled"))?.subject).toMatch(/on/);
    expect(await serverSql("SELECT 1 FROM audit_logs WHERE target_id = $1 AND event_type = 'mfa.enrolled'", [user.userId])).toHaveLength(1);
  });

  it("disabling MFA ends the other sessions, sends a notice, and TOTP and backup codes stop working", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const other = await passwordStep(user, t);
    expect((await secondStep(other.client, other.challenge, totp(user.secret, t), t)).status).toBe(200);
    const pending = await passwordStep(user, t);
    const disabled = await user.client.post("/api/auth/mfa/totp/disable", undefined, { now: t });
    expect(disabled.status).toBe(200);
    expect(disabled.body.revokedSessions).toBe(1);
    expect((await sessionOf(other.client, t)).status).toBe(401);
    expect((await sessionOf(user.client, t)).status).toBe(200);
    expect((await latestMail(user.email, "mfa_disabled"))?.subject).toMatch(/off/);
    expect(await serverSql("SELECT 1 FROM mfa_factors WHERE user_id = $1", [user.userId])).toHaveLength(0);
    expect(await serverSql("SELECT 1 FROM mfa_backup_codes WHERE user_id = $1", [user.userId])).toHaveLength(0);
    expect(await serverSql("SELECT 1 FROM audit_logs WHERE target_id = $1 AND event_type = 'mfa.disabled'", [user.userId])).toHaveLength(1);
    const t2 = t + STEP_MS;
    // a challenge issued before the disable leads nowhere: neither kind of code is accepted
    for (const code of [totp(user.secret, t2), user.backupCodes[1]!]) {
      const res = await secondStep(pending.client, pending.challenge, code, t2);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("invalid_mfa_code");
    }
    const login = await new Client().post("/api/auth/login", { email: user.email, password: user.password }, { now: t2 });
    expect(login.body.status).toBe("signed_in");
    expect(login.body.session.aal).toBe(1);
  });

  it("regenerating backup codes ends the other sessions and sends a notice", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + STEP_MS;
    const other = await passwordStep(user, t);
    expect((await secondStep(other.client, other.challenge, user.backupCodes[0]!, t)).status).toBe(200);
    const before = user.client.sessionToken();
    const regenerated = await user.client.post("/api/auth/mfa/backup-codes", undefined, { now: t });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.revokedSessions).toBe(1);
    expect((await sessionOf(other.client, t)).status).toBe(401);
    expect((await withToken(before, t)).status).toBe(401);
    expect((await sessionOf(user.client, t)).status).toBe(200);
    expect((await latestMail(user.email, "backup_codes_regenerated"))?.subject).toMatch(/backup codes/);
  });
});

describe("MFA route error codes", { timeout: 180_000 }, () => {
  it("answers each error with its status and code", async () => {
    const at = nextStep();
    const [plain, user] = await Promise.all([account(at), enrolled(at)]);
    const cases: [string, Client, string, unknown, number, string][] = [
      ["setup signed out", new Client(), "/api/auth/mfa/totp/setup", undefined, 401, "unauthenticated"],
      ["confirm signed out", new Client(), "/api/auth/mfa/totp/confirm", { code: "123456" }, 401, "unauthenticated"],
      ["confirm before setup", plain.client, "/api/auth/mfa/totp/confirm", { code: "123456" }, 409, "mfa_setup_not_started"],
      ["confirm without a code", plain.client, "/api/auth/mfa/totp/confirm", {}, 400, "invalid_request"],
      ["disable when off", plain.client, "/api/auth/mfa/totp/disable", undefined, 409, "mfa_not_enabled"],
      ["regenerate when off", plain.client, "/api/auth/mfa/backup-codes", undefined, 409, "mfa_not_enabled"],
      ["setup when on", user.client, "/api/auth/mfa/totp/setup", undefined, 409, "mfa_already_enabled"],
      ["confirm when on", user.client, "/api/auth/mfa/totp/confirm", { code: "123456" }, 409, "mfa_already_enabled"],
      ["second step without fields", new Client(), "/api/auth/login/mfa", {}, 400, "invalid_request"],
      [
        "second step with an unknown challenge",
        new Client(),
        "/api/auth/login/mfa",
        { challenge: "x.y", code: "123456" },
        401,
        "invalid_challenge",
      ],
    ];
    for (const [name, client, path, body, status, code] of cases) {
      const res = await client.post(path, body, { now: at });
      expect(res.status, name).toBe(status);
      expect(res.body.error.code, name).toBe(code);
    }
    const crossSite = await new Client().post(
      "/api/auth/login/mfa",
      { challenge: "x.y", code: "123456" },
      { now: at, headers: { origin: "https://evil.example" } },
    );
    expect(crossSite.status).toBe(403);
  });
});
