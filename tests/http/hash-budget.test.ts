/**
 * One signed-in user cannot fill the password-hash queue (issue 10 item 8): the hash-costly
 * routes take their cost from a per-user and a per-IP budget (lib/rate-limit/hash-budget.ts)
 * before hashing, so while one account hammers POST /api/auth/mfa/backup-codes (10 argon2id
 * hashes each) sign-in for everyone else keeps working instead of answering 503.
 */
import { TEST_HASH_BUDGET_PER_USER } from "../support/env";
import { describe, expect, it } from "vitest";
import { Client, GOOD_PASSWORD, randomIp, uniqueEmail, type HttpResult, serverSql } from "../support/http";
import { totpAt as totp } from "../support/totp";

const HAMMER_REQUESTS = 30;
const BUDGET_PER_USER = TEST_HASH_BUDGET_PER_USER; // the shared test server's HASH_BUDGET_PER_USER
const HASHES_PER_CODE_SET = 10;
/** Password changes that fit the per-user budget: each costs 2 + PASSWORD_HISTORY_COUNT (5) hashes. */
const ATTEMPTS_IN_BUDGET = Math.floor(TEST_HASH_BUDGET_PER_USER / 7);

describe("hash budget on hash-costly routes", () => {
  it("keeps sign-in up (no 503) while one user sends 30 parallel backup-code regenerations; at most the budget's worth run", async () => {
    // a bystander who will sign in during the attack
    const bystander = uniqueEmail("bystander");
    expect((await new Client().post("/api/auth/register", { email: bystander, password: GOOD_PASSWORD })).status).toBe(201);

    // the attacker's own account, with TOTP (so its session is aal2 and inside the reauth window)
    const email = uniqueEmail("hammer");
    const attacker = new Client();
    expect((await attacker.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    const login = await attacker.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(login.status).toBe(200);
    await serverSql("UPDATE users SET email_verified_at = now() WHERE id = $1", [login.body.user.id]); // enrolment needs a verified address
    const setup = await attacker.post("/api/auth/mfa/totp/setup");
    expect(setup.status).toBe(200);
    const confirm = await attacker.post("/api/auth/mfa/totp/confirm", { code: totp(setup.body.secret, Date.now()) });
    expect(confirm.status).toBe(200); // spent 10 of the user's budget
    const cookie = [...attacker.jar].map(([k, v]) => `${k}=${v}`).join("; ");

    // the same session from many IPs at once: only the per-user budget can hold it
    const hammer = Array.from({ length: HAMMER_REQUESTS }, () =>
      new Client({ ip: randomIp() }).post("/api/auth/mfa/backup-codes", undefined, { headers: { cookie } }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    const signIn = await new Client().post("/api/auth/login", { email: bystander, password: GOOD_PASSWORD });
    const signInMs = performance.now() - started;
    const results: HttpResult[] = await Promise.all(hammer);

    expect(signIn.status).toBe(200);
    const statuses = results.map((r) => r.status);
    expect(statuses).not.toContain(503);
    const regenerated = statuses.filter((s) => s === 200).length;
    expect(regenerated).toBeGreaterThanOrEqual(1);
    expect(regenerated).toBeLessThanOrEqual((BUDGET_PER_USER - HASHES_PER_CODE_SET) / HASHES_PER_CODE_SET);
    const limited = results.filter((r) => r.status === 429);
    // every other request was refused: 429 past the budget, or 401 once a regeneration's session
    // rotation ended the shared cookie
    expect(results.filter((r) => r.status === 429 || r.status === 401).length).toBe(HAMMER_REQUESTS - regenerated);
    for (const r of limited) {
      expect(r.body.error.code).toBe("too_many_requests");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    console.info(`hash budget: ${regenerated} regenerations ran, ${limited.length} × 429, bystander sign-in ${signInMs.toFixed(0)} ms`);
  }, 240_000);

  it("limits password change per user too: past the budget, 429 before any hash", async () => {
    const email = uniqueEmail("changer");
    const client = new Client();
    expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    expect((await client.post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(200);
    // the right current password and a new one the history refuses: no failure is counted (so the
    // session's failure budget stays out of it), yet each attempt is charged its full cost up front
    const statuses: number[] = [];
    for (let i = 0; i <= ATTEMPTS_IN_BUDGET; i++) {
      const res = await client.post("/api/auth/password/change", { currentPassword: GOOD_PASSWORD, newPassword: GOOD_PASSWORD });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, ATTEMPTS_IN_BUDGET)).toEqual(Array(ATTEMPTS_IN_BUDGET).fill(400)); // password_reused
    expect(statuses[ATTEMPTS_IN_BUDGET]).toBe(429);
  }, 240_000);
});
