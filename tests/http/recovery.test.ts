/**
 * Recovery ends what an attacker may have planted (issue 10 item 7): a password reset or
 * change revokes trusted devices and voids pending MFA challenges; TOTP enrolment needs a
 * verified address, and a reset removes factors enrolled while it was unverified; a password
 * change by an MFA user needs an aal2 session or a second factor in the request.
 */
import { describe, expect, it } from "vitest";
import { Client, GOOD_PASSWORD, latestMail, serverSql, tokenFromMail, uniqueEmail } from "../support/http";
import { settled } from "../support/polling";
import { totpAt as totp } from "../support/totp";

const STEP_MS = 30_000;
const NEW_PASSWORD = "a brand new passphrase after recovery";

function nextStep(): number {
  return (Math.floor(Date.now() / STEP_MS) + 1) * STEP_MS + 1000;
}

interface MfaAccount {
  client: Client;
  email: string;
  userId: string;
  secret: string;
}

/** Registers, verifies the address (white-box), signs in and confirms TOTP at `at`: an aal2 session. */
async function enrolled(at: number): Promise<MfaAccount> {
  const email = uniqueEmail("recovery");
  const client = new Client();
  client.now = at;
  expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  await serverSql("UPDATE users SET email_verified_at = now() WHERE email = $1", [email]);
  const login = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
  const setup = await client.post("/api/auth/mfa/totp/setup");
  expect(setup.status).toBe(200);
  expect((await client.post("/api/auth/mfa/totp/confirm", { code: totp(setup.body.secret, at) })).status).toBe(200);
  return { client, email, userId: login.body.user.id, secret: setup.body.secret };
}

/** A browser that signed in with both factors and asked to be trusted. */
async function trustedBrowser(user: MfaAccount, at: number, password = GOOD_PASSWORD): Promise<Client> {
  const browser = new Client();
  const first = await browser.post("/api/auth/login", { email: user.email, password }, { now: at });
  expect(first.body.status).toBe("mfa_required");
  const second = await browser.post(
    "/api/auth/login/mfa",
    { challenge: first.body.challenge, code: totp(user.secret, at), trustDevice: true },
    { now: at },
  );
  expect([second.status, second.body.deviceTrusted]).toEqual([200, true]);
  return browser;
}

/** A first step with the password, left pending: its challenge token. */
async function pendingChallenge(user: MfaAccount, at: number): Promise<string> {
  const first = await new Client().post("/api/auth/login", { email: user.email, password: GOOD_PASSWORD }, { now: at });
  expect(first.body.status).toBe("mfa_required");
  return first.body.challenge;
}

async function resetPassword(email: string, at: number): Promise<void> {
  const client = new Client();
  expect(
    (await settled("password.reset.requested", email, () => client.post("/api/auth/password/forgot", { email }, { now: at }))).status,
  ).toBe(202);
  const mail = await latestMail(email, "password_reset");
  const reset = await client.post(
    "/api/auth/password/reset",
    { token: tokenFromMail(mail!.text_body), password: NEW_PASSWORD },
    { now: at },
  );
  expect(reset.status).toBe(200);
}

describe("a password reset (issue 10 item 7)", { timeout: 180_000 }, () => {
  it("revokes trusted devices and voids pending MFA challenges: the mailbox and an old device cookie give no sign-in without the second factor", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const browser = await trustedBrowser(user, at + STEP_MS);
    const challenge = await pendingChallenge(user, at + STEP_MS);

    await resetPassword(user.email, at + 2 * STEP_MS);

    const again = await browser.post("/api/auth/login", { email: user.email, password: NEW_PASSWORD }, { now: at + 2 * STEP_MS });
    expect(again.body.status).toBe("mfa_required");
    expect(await serverSql("SELECT id FROM trusted_devices WHERE user_id = $1 AND revoked_at IS NULL", [user.userId])).toEqual([]);
    const finished = await new Client().post(
      "/api/auth/login/mfa",
      { challenge, code: totp(user.secret, at + 3 * STEP_MS) },
      { now: at + 3 * STEP_MS },
    );
    expect([finished.status, finished.body.error.code]).toEqual([401, "invalid_challenge"]);
    const [audit] = await serverSql<{ details: any }>(
      "SELECT details FROM audit_logs WHERE event_type = 'password.reset.completed' AND result = 'success' AND target_id = $1",
      [user.userId],
    );
    expect([audit!.details.trustedDevicesRevoked, audit!.details.challengesVoided, audit!.details.unverifiedFactorsRemoved]).toEqual([
      1, 1, 0,
    ]);
  });

  it("removes a factor enrolled while the address was unverified; a factor of a verified account stays", async () => {
    const at = nextStep();
    const planted = await enrolled(at);
    // a factor from before enrolment required a verified address: the address was never proven
    await serverSql("UPDATE users SET email_verified_at = NULL WHERE id = $1", [planted.userId]);
    await resetPassword(planted.email, at + STEP_MS);
    const owner = await new Client().post("/api/auth/login", { email: planted.email, password: NEW_PASSWORD }, { now: at + STEP_MS });
    expect([owner.status, owner.body.status]).toEqual([200, "signed_in"]);
    expect(await serverSql("SELECT id FROM mfa_factors WHERE user_id = $1", [planted.userId])).toEqual([]);
    expect(await serverSql("SELECT id FROM mfa_backup_codes WHERE user_id = $1", [planted.userId])).toEqual([]);

    const kept = await enrolled(at);
    await resetPassword(kept.email, at + STEP_MS);
    const login = await new Client().post("/api/auth/login", { email: kept.email, password: NEW_PASSWORD }, { now: at + STEP_MS });
    expect(login.body.status).toBe("mfa_required");
  });
});

describe("TOTP enrolment (issue 10 item 7)", { timeout: 180_000 }, () => {
  it("answers 403 email_not_verified to an account whose address is unverified, and stores no factor", async () => {
    const email = uniqueEmail("unverified");
    const client = new Client();
    expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    const login = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(login.status).toBe(200);
    const setup = await client.post("/api/auth/mfa/totp/setup");
    expect([setup.status, setup.body.error?.code]).toEqual([403, "email_not_verified"]);
    expect(await serverSql("SELECT id FROM mfa_factors WHERE user_id = $1", [login.body.user.id])).toEqual([]);
  });
});

describe("a password change (issue 10 item 7)", { timeout: 180_000 }, () => {
  it("by an MFA user on an aal1 (trusted-device) session needs a second factor: 403 mfa_required without one, 200 with a code", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const browser = await trustedBrowser(user, at + STEP_MS);
    const aal1 = await browser.post("/api/auth/login", { email: user.email, password: GOOD_PASSWORD }, { now: at + 2 * STEP_MS });
    expect(aal1.body.session).toMatchObject({ aal: 1 });

    const hashOf = async () =>
      (await serverSql<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = $1", [user.userId]))[0]!.password_hash;
    const before = await hashOf();
    const refused = await browser.post(
      "/api/auth/password/change",
      { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD },
      { now: at + 2 * STEP_MS },
    );
    expect([refused.status, refused.body.error.code]).toEqual([403, "mfa_required"]);
    const wrong = await browser.post(
      "/api/auth/password/change",
      { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD, code: "000000" },
      { now: at + 2 * STEP_MS },
    );
    expect(wrong.status).toBe(401);
    expect(await hashOf()).toBe(before);

    const changed = await browser.post(
      "/api/auth/password/change",
      { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD, code: totp(user.secret, at + 3 * STEP_MS) },
      { now: at + 3 * STEP_MS },
    );
    expect(changed.status).toBe(200);
  });

  it("from an aal2 session revokes trusted devices and voids pending MFA challenges", async () => {
    const at = nextStep();
    const user = await enrolled(at);
    const browser = await trustedBrowser(user, at + STEP_MS);
    const challenge = await pendingChallenge(user, at + STEP_MS);
    const changed = await user.client.post(
      "/api/auth/password/change",
      { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD },
      { now: at + 2 * STEP_MS },
    );
    expect(changed.status).toBe(200);

    const again = await browser.post("/api/auth/login", { email: user.email, password: NEW_PASSWORD }, { now: at + 2 * STEP_MS });
    expect(again.body.status).toBe("mfa_required");
    const finished = await new Client().post(
      "/api/auth/login/mfa",
      { challenge, code: totp(user.secret, at + 3 * STEP_MS) },
      { now: at + 3 * STEP_MS },
    );
    expect([finished.status, finished.body.error.code]).toEqual([401, "invalid_challenge"]);
  });
});
