/**
 * A passkey as the second sign-in step (issue 15): after a correct password, an account with any
 * second factor (TOTP or passkey) gets mfa_required listing its methods; one of its passkeys
 * answers through POST /api/auth/login/mfa/passkey/options and POST /api/auth/login/mfa/passkey.
 * Assertions come from the software authenticator (tests/support/webauthn.ts).
 */
import { describe, expect, it } from "vitest";
import { Client, serverSql, signedInClient } from "../support/http";
import { auditRows, clientFor, enrolTotp, grantRole } from "../support/principals";
import { TEST_APP_URL } from "../support/env";
import { authenticationResponse, newSoftPasskey, registrationResponse, type SoftPasskey } from "../support/webauthn";

const ORIGIN = TEST_APP_URL;
const RP_ID = new URL(TEST_APP_URL).hostname;
const DEVICE_COOKIE = "__Host-portcullis_device";

interface Account {
  client: Client;
  email: string;
  password: string;
  userId: string;
}

async function verifiedAccount(): Promise<Account> {
  const account = await signedInClient();
  await serverSql("UPDATE users SET email_verified_at = now() WHERE id = $1", [account.userId]);
  return account;
}

/** Registers `passkey` from the account's own (freshly signed-in) session; returns its id. */
async function addPasskey(account: Account, passkey: SoftPasskey, name = "Laptop"): Promise<string> {
  const options = await account.client.post("/api/auth/passkeys/registration/options");
  expect(options.status).toBe(200);
  const { challenge, user } = options.body.options;
  const response = registrationResponse(passkey, { challenge, userId: user.id, origin: ORIGIN, rpId: RP_ID });
  const res = await account.client.post("/api/auth/passkeys/registration", { name, response });
  expect(res.status).toBe(201);
  return res.body.passkey.id;
}

async function withPasskey(): Promise<Account & { passkey: SoftPasskey; passkeyId: string }> {
  const account = await verifiedAccount();
  const passkey = newSoftPasskey();
  return { ...account, passkey, passkeyId: await addPasskey(account, passkey) };
}

/** The password step: the mfa_required answer (the client holds no session after it). */
async function passwordStep(account: Account, client = new Client()) {
  const res = await client.post("/api/auth/login", { email: account.email, password: account.password });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe("mfa_required");
  expect(client.sessionToken()).toBeUndefined();
  return { client, challenge: res.body.challenge as string, methods: res.body.methods as string[] };
}

async function passkeyOptions(client: Client, challenge: string): Promise<{ challenge: string; allowCredentials: { id: string }[] }> {
  const res = await client.post("/api/auth/login/mfa/passkey/options", { challenge });
  expect(res.status).toBe(200);
  return res.body.options;
}

function assertion(passkey: SoftPasskey, webauthnChallenge: string, extra: { counter?: number } = {}) {
  return authenticationResponse(passkey, { challenge: webauthnChallenge, origin: ORIGIN, rpId: RP_ID, ...extra });
}

describe("a passkey as the second step after a password (issue 15, #26, #36)", () => {
  it("asks an account whose only factor is a passkey for the second step, and its passkey completes it: aal2, amr pwd+hwk", async () => {
    const account = await withPasskey();
    const step = await passwordStep(account);
    expect(step.methods).toEqual(["passkey"]);
    const options = await passkeyOptions(step.client, step.challenge);
    expect(options.allowCredentials.map((c) => c.id)).toEqual([account.passkey.credentialId.toString("base64url")]);
    expect((options as unknown as { userVerification: string }).userVerification).toBe("required");

    const res = await step.client.post("/api/auth/login/mfa/passkey", {
      challenge: step.challenge,
      response: assertion(account.passkey, options.challenge),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "signed_in", user: { id: account.userId }, deviceTrusted: false });
    expect(res.body.session).toMatchObject({ aal: 2, amr: ["pwd", "hwk"] });
    expect((await step.client.get("/api/auth/session")).body.session).toMatchObject({ aal: 2, amr: ["pwd", "hwk"] });
    const [success] = await auditRows("mfa.success", account.userId);
    expect(success?.details).toMatchObject({ method: "passkey", passkeyId: account.passkeyId });
    const [listed] = (await step.client.get("/api/auth/passkeys")).body.passkeys;
    expect(listed.lastUsedAt).not.toBeNull();

    // the challenge is spent: the same answer again is refused
    const again = await new Client().post("/api/auth/login/mfa/passkey", {
      challenge: step.challenge,
      response: assertion(account.passkey, options.challenge),
    });
    expect([again.status, again.body.error.code]).toEqual([401, "invalid_challenge"]);
  });

  it("lists every enrolled method (TOTP, backup codes, passkey); a wrong password answers exactly as for an unknown address", async () => {
    const account = await withPasskey();
    await enrolTotp(account);
    const step = await passwordStep(account);
    expect(step.methods).toEqual(["totp", "backup_code", "passkey"]);

    const none = await verifiedAccount();
    const totpOnly = await enrolTotp(none);
    const totpStep = await passwordStep(totpOnly);
    expect(totpStep.methods).toEqual(["totp", "backup_code"]);
    const noPasskey = await totpStep.client.post("/api/auth/login/mfa/passkey/options", { challenge: totpStep.challenge });
    expect([noPasskey.status, noPasskey.body.error.code]).toEqual([409, "no_passkeys"]);

    const wrong = await new Client().post("/api/auth/login", { email: account.email, password: "not the password at all" });
    const unknown = await new Client().post("/api/auth/login", { email: `nobody-${Date.now()}@example.com`, password: "not the password" });
    expect(wrong.status).toBe(401);
    expect([wrong.status, wrong.text]).toEqual([unknown.status, unknown.text]);
    expect(wrong.text).not.toContain("passkey");
    expect(wrong.text).not.toContain("methods");
  });

  it("trusts the browser on request, as the code step does: the next password sign-in there skips the step (aal1)", async () => {
    const account = await withPasskey();
    const step = await passwordStep(account);
    const options = await passkeyOptions(step.client, step.challenge);
    const res = await step.client.post("/api/auth/login/mfa/passkey", {
      challenge: step.challenge,
      response: assertion(account.passkey, options.challenge),
      trustDevice: true,
    });
    expect([res.status, res.body.deviceTrusted]).toEqual([200, true]);
    expect(step.client.cookie(DEVICE_COOKIE)).toBeDefined();
    const next = await step.client.post("/api/auth/login", { email: account.email, password: account.password });
    expect(next.status).toBe(200);
    expect(next.body.status).toBe("signed_in");
    expect(next.body.session).toMatchObject({ aal: 1, amr: ["pwd", "device"] });
  });

  it("answers the token route's challenge with a token pair", async () => {
    const account = await withPasskey();
    const client = new Client();
    const res = await client.post("/api/auth/token", { email: account.email, password: account.password });
    expect(res.body).toMatchObject({ status: "mfa_required", methods: ["passkey"] });
    const options = await passkeyOptions(client, res.body.challenge);
    const done = await client.post("/api/auth/login/mfa/passkey", {
      challenge: res.body.challenge,
      response: assertion(account.passkey, options.challenge),
    });
    expect(done.status).toBe(200);
    expect(done.body.accessToken).toBeDefined();
    expect(client.sessionToken()).toBeUndefined();
  });
});

describe("attacks on the passkey second step", () => {
  it("refuses an assertion made for another sign-in's options (another MFA challenge), and counts it", async () => {
    const account = await withPasskey();
    const victim = await passwordStep(account);
    const attacker = await passwordStep(account);
    const victimOptions = await passkeyOptions(victim.client, victim.challenge);
    const lifted = assertion(account.passkey, victimOptions.challenge);
    const res = await attacker.client.post("/api/auth/login/mfa/passkey", { challenge: attacker.challenge, response: lifted });
    expect([res.status, res.body.error.code]).toEqual([401, "invalid_passkey"]);
    expect(attacker.client.sessionToken()).toBeUndefined();
    const [failed] = await auditRows("mfa.failed", account.userId);
    expect(failed?.details).toMatchObject({ method: "passkey", reason: "invalid_passkey", failures: 1 });
    const [passkeyFailure] = await auditRows("passkey.failure", account.userId);
    expect(passkeyFailure?.details).toMatchObject({ stage: "second_step", reason: "challenge" });
    // the victim's own challenge was not spent by the refusal
    const own = await victim.client.post("/api/auth/login/mfa/passkey", { challenge: victim.challenge, response: lifted });
    expect(own.status).toBe(200);
  });

  it("refuses another user's passkey, a replayed assertion, and a removed passkey", async () => {
    const account = await withPasskey();
    const other = await withPasskey();
    const step = await passwordStep(account);
    const theirs = await step.client.post("/api/auth/login/mfa/passkey", {
      challenge: step.challenge,
      response: assertion(other.passkey, (await passkeyOptions(step.client, step.challenge)).challenge),
    });
    expect([theirs.status, theirs.body.error.code]).toEqual([401, "invalid_passkey"]);

    // replay: a used assertion, against a new sign-in of the same account
    const options = await passkeyOptions(step.client, step.challenge);
    const used = assertion(account.passkey, options.challenge);
    expect((await step.client.post("/api/auth/login/mfa/passkey", { challenge: step.challenge, response: used })).status).toBe(200);
    const later = await passwordStep(account);
    await passkeyOptions(later.client, later.challenge);
    const replay = await later.client.post("/api/auth/login/mfa/passkey", { challenge: later.challenge, response: used });
    expect([replay.status, replay.body.error.code]).toEqual([401, "invalid_passkey"]);

    // removed between the options and the answer (a second passkey keeps the account's second step)
    const spare = newSoftPasskey();
    const aal2 = step.client; // the aal2 session the passkey step just gave, inside the re-authentication window
    const spareOptions = await aal2.post("/api/auth/passkeys/registration/options");
    const spareId = (
      await aal2.post("/api/auth/passkeys/registration", {
        name: "Spare",
        response: registrationResponse(spare, {
          challenge: spareOptions.body.options.challenge,
          userId: spareOptions.body.options.user.id,
          origin: ORIGIN,
          rpId: RP_ID,
        }),
      })
    ).body.passkey.id;
    const removal = await passwordStep(account);
    const removalOptions = await passkeyOptions(removal.client, removal.challenge);
    expect(removalOptions.allowCredentials).toHaveLength(2);
    expect((await aal2.delete(`/api/auth/passkeys/${spareId}`)).status).toBe(200);
    const gone = await removal.client.post("/api/auth/login/mfa/passkey", {
      challenge: removal.challenge,
      response: assertion(spare, removalOptions.challenge),
    });
    expect([gone.status, gone.body.error.code]).toEqual([401, "invalid_passkey"]);
    expect(removal.client.sessionToken()).toBeUndefined();
    const reasons = (await auditRows("passkey.failure", account.userId)).map((r) => r.details.reason);
    expect(reasons).toEqual(["unknown_credential", "challenge", "unknown_credential"]);
  });

  it("refuses a sign counter that did not grow, audits it, and creates no session", async () => {
    const account = await withPasskey();
    const first = await passwordStep(account);
    const ok = assertion(account.passkey, (await passkeyOptions(first.client, first.challenge)).challenge, { counter: 7 });
    expect((await first.client.post("/api/auth/login/mfa/passkey", { challenge: first.challenge, response: ok })).status).toBe(200);

    const clone = await passwordStep(account);
    const lowered = assertion(account.passkey, (await passkeyOptions(clone.client, clone.challenge)).challenge, { counter: 3 });
    const res = await clone.client.post("/api/auth/login/mfa/passkey", { challenge: clone.challenge, response: lowered });
    expect([res.status, res.body.error.code]).toEqual([401, "invalid_passkey"]);
    expect(clone.client.sessionToken()).toBeUndefined();
    const [regressed] = await auditRows("passkey.counter_regressed", account.userId);
    expect(regressed?.details).toMatchObject({ storedCounter: 7, receivedCounter: 3 });
    const [failed] = await auditRows("mfa.failed", account.userId);
    expect(failed?.details).toMatchObject({ method: "passkey", reason: "invalid_passkey" });
  });

  it("counts failures toward the second-factor limit in parallel: 8 at once, 5 checked, then even a good one waits", async () => {
    const account = await withPasskey();
    const step = await passwordStep(account);
    const challenges = await Promise.all(Array.from({ length: 8 }, () => passkeyOptions(step.client, step.challenge)));
    const other = newSoftPasskey(); // a key the server does not know
    const results = await Promise.all(
      challenges.map((o) =>
        step.client.post("/api/auth/login/mfa/passkey", { challenge: step.challenge, response: assertion(other, o.challenge) }),
      ),
    );
    const codes = results.map((r) => `${r.status} ${r.body.error?.code}`);
    expect(codes.filter((c) => c === "401 invalid_passkey")).toHaveLength(5);
    expect(codes.filter((c) => c === "429 mfa_locked")).toHaveLength(3);
    expect((await auditRows("passkey.failure", account.userId)).length).toBe(5);
    expect((await auditRows("mfa.locked", account.userId)).length).toBe(1);

    const next = await passwordStep(account);
    const good = assertion(account.passkey, (await passkeyOptions(next.client, next.challenge)).challenge);
    const blocked = await next.client.post("/api/auth/login/mfa/passkey", { challenge: next.challenge, response: good });
    expect([blocked.status, blocked.body.error.code]).toEqual([429, "mfa_locked"]);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(next.client.sessionToken()).toBeUndefined();
  });

  it("answers malformed or dead requests with stable codes", async () => {
    const account = await withPasskey();
    const step = await passwordStep(account);
    const options = await passkeyOptions(step.client, step.challenge);
    const response = assertion(account.passkey, options.challenge);
    const table: [string, unknown, number, string][] = [
      ["/api/auth/login/mfa/passkey/options", {}, 400, "invalid_request"],
      ["/api/auth/login/mfa/passkey/options", { challenge: "nope.nope" }, 401, "invalid_challenge"],
      ["/api/auth/login/mfa/passkey", { challenge: step.challenge }, 400, "invalid_request"],
      ["/api/auth/login/mfa/passkey", { challenge: "nope.nope", response }, 401, "invalid_challenge"],
      ["/api/auth/login/mfa/passkey", { challenge: step.challenge, response: { ...response, type: "password" } }, 400, "invalid_request"],
    ];
    for (const [path, body, status, code] of table) {
      const res = await new Client().post(path, body);
      expect([res.status, res.body.error.code], `${path} ${JSON.stringify(body).slice(0, 40)}`).toEqual([status, code]);
    }
  });
});

describe("an account whose only second factor is a passkey confirms with it, as at sign-in", () => {
  it("refuses a re-authentication with the password alone (403 passkey_required) and accepts one with the passkey: aal2", async () => {
    const account = await withPasskey();
    const password = await account.client.post("/api/auth/reauth", { password: account.password });
    expect([password.status, password.body.error.code]).toEqual([403, "passkey_required"]);
    expect(await auditRows("reauth.success", account.userId)).toHaveLength(0);

    const options = await account.client.post("/api/auth/reauth/passkey/options");
    expect(options.status).toBe(200);
    const res = await account.client.post("/api/auth/reauth/passkey", {
      response: assertion(account.passkey, options.body.options.challenge),
    });
    expect(res.status).toBe(200);
    const me = await account.client.get("/api/auth/session");
    expect(me.body.session.aal).toBe(2);
  });

  it("tells an aal1 session of a passkey holder whose role needs MFA to step up, not to enrol, and the passkey steps it up", async () => {
    const account = await withPasskey();
    await grantRole(account.userId, "admin");
    const aal1 = await clientFor(account.userId);
    const refused = await aal1.get("/api/admin/roles");
    expect([refused.status, refused.body.error.code]).toEqual([403, "step_up_required"]);
    const options = await aal1.post("/api/auth/reauth/passkey/options");
    const stepped = await aal1.post("/api/auth/reauth/passkey", { response: assertion(account.passkey, options.body.options.challenge) });
    expect(stepped.status).toBe(200);
    expect((await aal1.get("/api/admin/roles")).status).toBe(200);
  });

  it("still takes the password and a code from an account with TOTP and a passkey", async () => {
    const account = await withPasskey();
    const enrolled = await enrolTotp(account);
    const aal1 = await clientFor(account.userId);
    const noCode = await aal1.post("/api/auth/reauth", { password: account.password });
    expect([noCode.status, noCode.body.error.code]).toEqual([403, "mfa_required"]);
    const ok = await aal1.post("/api/auth/reauth", { password: account.password, code: enrolled.backupCodes.shift() });
    expect(ok.status).toBe(200);
  });
});
