/**
 * Issue 10, item 1: parallel guesses must not pass any limit. Every password path (sign-in,
 * the token route's password grant, re-authentication, password change) and the token-guess
 * limit take the attempt's slot atomically before any hashing or lookup, so 50 guesses sent at
 * once verify at most the configured number (LOGIN_MAX_FAILURES = 10, TOKEN_FAILURES_PER_IP_PER_HOUR
 * = 10), and the right password sent last does not get through once the lock is reached.
 * Hashes are counted with the x-test-password-hashes header each response carries.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, signedInClient, uniqueEmail, type HttpResult } from "../support/http";

const LOGIN_MAX_FAILURES = 10;
const TOKEN_FAILURES_PER_IP_PER_HOUR = 10;
const GUESSES = 50;

const hashes = (responses: readonly HttpResult[]) =>
  responses.reduce((n, r) => n + Number(r.headers.get("x-test-password-hashes") ?? "NaN"), 0);
const statuses = (responses: readonly HttpResult[]) => responses.map((r) => r.status);

/** 49 wrong guesses and the right one last, all in flight at once. */
function guesses<T>(make: (password: string) => T): T[] {
  return [...Array.from({ length: GUESSES - 1 }, (_, i) => make(`wrong guess number ${i} for this account`)), make(GOOD_PASSWORD)];
}

async function registered(): Promise<string> {
  const email = uniqueEmail("parallel");
  expect((await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  return email;
}

function expectBounded(responses: readonly HttpResult[]): void {
  const right = responses[responses.length - 1]!;
  expect(hashes(responses)).toBeLessThanOrEqual(LOGIN_MAX_FAILURES);
  expect(statuses(responses).filter((s) => s === 401).length).toBeLessThanOrEqual(LOGIN_MAX_FAILURES);
  expect(statuses(responses).every((s) => s === 401 || s === 429)).toBe(true);
  expect(right.status).toBe(429);
  expect(right.body.error.code).toBe("too_many_requests");
  expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
}

describe("parallel password guesses (issue 10 item 1, #13, #17)", { timeout: 180_000 }, () => {
  it("POST /api/auth/login: 50 parallel guesses from one IP verify at most 10 passwords, and the right one sent last is refused", async () => {
    const email = await registered();
    const client = new Client();
    const responses = await Promise.all(guesses((password) => client.post("/api/auth/login", { email, password })));
    expectBounded(responses);
    expect(responses.some((r) => r.headers.get("set-cookie"))).toBe(false);
  });

  it("POST /api/auth/token (password grant): 50 parallel guesses verify at most 10 passwords, and the right one is refused", async () => {
    const email = await registered();
    const client = new Client();
    const responses = await Promise.all(guesses((password) => client.post("/api/auth/token", { email, password })));
    expectBounded(responses);
    expect(responses.some((r) => r.body?.accessToken)).toBe(false);
  });

  it("POST /api/auth/reauth: 50 parallel guesses from a stolen session verify at most 10 passwords, and the right one is refused", async () => {
    const { client } = await signedInClient();
    const responses = await Promise.all(guesses((password) => client.post("/api/auth/reauth", { password })));
    expectBounded(responses);
  });

  it("POST /api/auth/password/change: 50 parallel guesses of the current password verify at most 10, and the right one changes nothing", async () => {
    const { client, email } = await signedInClient();
    const newPassword = "a brand new passphrase nobody guessed";
    const responses = await Promise.all(
      guesses((currentPassword) => client.post("/api/auth/password/change", { currentPassword, newPassword })),
    );
    expectBounded(responses);
    // the old password still works once the lock is gone, the new one never became valid
    const later = Date.now() + 2 * 60_000;
    expect((await new Client().post("/api/auth/login", { email, password: newPassword }, { now: later })).status).toBe(401);
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD }, { now: later })).status).toBe(200);
  });
});

describe("parallel token guesses (issue 10 item 1, #58)", { timeout: 120_000 }, () => {
  const badToken = () => randomBytes(32).toString("base64url");

  it("40 parallel bad reset tokens from one IP: at most 10 are checked, the rest answer 429", async () => {
    const client = new Client();
    const responses = await Promise.all(
      Array.from({ length: 40 }, () =>
        client.post("/api/auth/password/reset", { token: badToken(), password: "a brand new passphrase nobody guessed" }),
      ),
    );
    const checked = responses.filter((r) => r.status === 400);
    expect(checked.length).toBeLessThanOrEqual(TOKEN_FAILURES_PER_IP_PER_HOUR);
    for (const r of checked) expect(r.body.error.code).toBe("invalid_token");
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBe(40 - checked.length);
    for (const r of refused) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("40 parallel bad verification tokens from one IP: at most 10 are checked, the rest answer 429", async () => {
    const client = new Client();
    const responses = await Promise.all(Array.from({ length: 40 }, () => client.post("/api/auth/email/verify", { token: badToken() })));
    expect(responses.filter((r) => r.status === 400).length).toBeLessThanOrEqual(TOKEN_FAILURES_PER_IP_PER_HOUR);
    expect(responses.filter((r) => r.status === 400 || r.status === 429).length).toBe(40);
  });
});
