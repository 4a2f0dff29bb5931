/**
 * Issue 10, item 14: a correct TOTP code submitted twice at once (a double click) is not a
 * failure, and the second-factor block escalates instead of restarting every 15 minutes.
 * The server clock is set per request (x-test-now); codes are computed here at that time.
 */
import { describe, expect, it } from "vitest";
import { Client, GOOD_PASSWORD, latestMail, serverSql, uniqueEmail } from "../support/http";
import { totpAt as totp, wrongTotpAt as wrongTotp } from "../support/totp";

const STEP_MS = 30_000;
const MINUTE_MS = 60_000;
const MFA_LOCK_SECONDS = 900;

function nextStep(): number {
  return (Math.floor(Date.now() / STEP_MS) + 1) * STEP_MS + 1000;
}

interface Enrolled {
  client: Client;
  email: string;
  userId: string;
  secret: string;
}

async function enrolled(at: number): Promise<Enrolled> {
  const email = uniqueEmail("mfa-lockout");
  const client = new Client();
  client.now = at;
  expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  const login = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
  expect(login.status).toBe(200);
  await serverSql("UPDATE users SET email_verified_at = now() WHERE id = $1", [login.body.user.id]); // enrolment needs a verified address
  const setup = await client.post("/api/auth/mfa/totp/setup");
  expect(setup.status).toBe(200);
  expect((await client.post("/api/auth/mfa/totp/confirm", { code: totp(setup.body.secret, at) })).status).toBe(200);
  client.now = null;
  return { client, email, userId: login.body.user.id, secret: setup.body.secret };
}

async function mfaState(userId: string): Promise<{ mfa_failed_count: number; mfa_locked_until: string | null }> {
  const [row] = await serverSql("SELECT mfa_failed_count, mfa_locked_until FROM users WHERE id = $1", [userId]);
  return row;
}

async function challengeAt(user: Enrolled, at: number): Promise<{ client: Client; challenge: string }> {
  const client = new Client();
  const res = await client.post("/api/auth/login", { email: user.email, password: GOOD_PASSWORD }, { now: at });
  expect(res.body.status).toBe("mfa_required");
  return { client, challenge: res.body.challenge };
}

describe("a correct code submitted in parallel (issue 10 item 14, #46)", { timeout: 180_000 }, () => {
  it("a double click: one sign-in succeeds, the other answers otp_already_used, and no failure is counted", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + 2 * STEP_MS;
    const [a, b] = await Promise.all([challengeAt(user, t), challengeAt(user, t)]);
    const code = totp(user.secret, t);
    const results = await Promise.all([
      a.client.post("/api/auth/login/mfa", { challenge: a.challenge, code }, { now: t }),
      b.client.post("/api/auth/login/mfa", { challenge: b.challenge, code }, { now: t }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)!.body.error.code).toBe("otp_already_used");
    expect(await mfaState(user.userId)).toEqual({ mfa_failed_count: 0, mfa_locked_until: null });
    const [audit] = await serverSql(
      "SELECT details FROM audit_logs WHERE target_id = $1 AND event_type = 'mfa.failed' ORDER BY id DESC LIMIT 1",
      [user.userId],
    );
    expect(audit.details).toMatchObject({ reason: "otp_already_used", counted: false });
  });

  it("10 parallel re-authentications with one code: one succeeds, the other nine answer otp_already_used, and the factor is not blocked", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const t = at + 11 * MINUTE_MS;
    const code = totp(user.secret, t);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => user.client.post("/api/auth/reauth", { password: GOOD_PASSWORD, code }, { now: t })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 200);
    expect(losers.map((r) => [r.status, r.body.error.code])).toEqual(Array.from({ length: 9 }, () => [401, "otp_already_used"]));
    expect(await mfaState(user.userId)).toEqual({ mfa_failed_count: 0, mfa_locked_until: null });
    expect(await latestMail(user.email, "mfa_locked")).toBeUndefined();
    // the next code works at once: nothing was blocked
    const next = t + STEP_MS;
    const { client, challenge } = await challengeAt(user, next);
    expect((await client.post("/api/auth/login/mfa", { challenge, code: totp(user.secret, next) }, { now: next })).status).toBe(200);
  });
});

describe("second-factor blocks escalate (issue 10 item 14, #16)", { timeout: 180_000 }, () => {
  /** Five wrong codes at `at`, then the answer to a correct one: the block it reports. */
  async function block(user: Enrolled, at: number): Promise<number> {
    const { client, challenge } = await challengeAt(user, at);
    for (let i = 0; i < 5; i++) {
      const res = await client.post("/api/auth/login/mfa", { challenge, code: wrongTotp(user.secret, at) }, { now: at });
      expect(res.status).toBe(401);
    }
    const blocked = await client.post("/api/auth/login/mfa", { challenge, code: totp(user.secret, at) }, { now: at });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("mfa_locked");
    return Number(blocked.headers.get("retry-after"));
  }

  it("each block in a row lasts twice the previous one (15 min, 30, 60, ...), and a success starts over at 15 minutes", async () => {
    let t = nextStep();
    const user = await enrolled(t);
    const lengths: number[] = [];
    for (let i = 0; i < 3; i++) {
      t += STEP_MS;
      const seconds = await block(user, t);
      lengths.push(seconds);
      const [{ until }] = await serverSql("SELECT extract(epoch FROM mfa_locked_until) * 1000 AS until FROM users WHERE id = $1", [
        user.userId,
      ]);
      t = Number(until) + 1000;
    }
    expect(lengths).toEqual([MFA_LOCK_SECONDS, 2 * MFA_LOCK_SECONDS, 4 * MFA_LOCK_SECONDS]);

    // a correct code after the block ends resets the escalation
    const { client, challenge } = await challengeAt(user, t);
    expect((await client.post("/api/auth/login/mfa", { challenge, code: totp(user.secret, t) }, { now: t })).status).toBe(200);
    t += 2 * STEP_MS;
    expect(await block(user, t)).toBe(MFA_LOCK_SECONDS);
  });

  it("the blocks are capped at MFA_LOCK_MAX_SECONDS (a day): at most 35 guesses in the first day, then 5 a day", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    // six blocks in a row already happened (15 min .. 8 h); the next one lasts 16 h, then a day each
    await serverSql("UPDATE users SET mfa_lock_count = 6 WHERE id = $1", [user.userId]);
    expect(await block(user, at + STEP_MS)).toBe(16 * 3600);
    await serverSql("UPDATE users SET mfa_lock_count = 12, mfa_locked_until = NULL, mfa_failed_count = 0 WHERE id = $1", [user.userId]);
    expect(await block(user, at + 2 * STEP_MS)).toBe(24 * 3600);
  });
});
