import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { Client, latestMail, serverSql, signedInClient } from "../support/http";
import { auditRows, clientFor } from "../support/principals";
import { TEST_APP_URL } from "../support/env";
import { authenticationResponse, newSoftPasskey, registrationResponse, type SoftPasskey } from "../support/webauthn";

const ORIGIN = TEST_APP_URL;
const RP_ID = new URL(TEST_APP_URL).hostname;
const PASSKEY_COOKIE = "__Host-portcullis_passkey";

interface Account {
  client: Client;
  email: string;
  userId: string;
}

async function verifiedAccount(): Promise<Account> {
  const account = await signedInClient();
  await serverSql("UPDATE users SET email_verified_at = now() WHERE id = $1", [account.userId]);
  return account;
}

/** Creation options, then the soft authenticator's answer, posted by `client` (default: the account's own). */
async function register(account: Account, passkey: SoftPasskey, name = "Laptop", client = account.client) {
  const options = await account.client.post("/api/auth/passkeys/registration/options");
  expect(options.status).toBe(200);
  const { challenge, user } = options.body.options;
  const response = registrationResponse(passkey, { challenge, userId: user.id, origin: ORIGIN, rpId: RP_ID });
  return { res: await client.post("/api/auth/passkeys/registration", { name, response }), response };
}

async function registered(): Promise<Account & { passkey: SoftPasskey; passkeyId: string }> {
  const account = await verifiedAccount();
  const passkey = newSoftPasskey();
  const { res } = await register(account, passkey);
  expect(res.status).toBe(201);
  return { ...account, passkey, passkeyId: res.body.passkey.id };
}

async function signInOptions(client: Client): Promise<string> {
  const res = await client.post("/api/auth/passkeys/sign-in/options");
  expect(res.status).toBe(200);
  expect(res.body.options.allowCredentials ?? []).toEqual([]);
  expect(res.body.options.userVerification).toBe("required");
  return res.body.options.challenge;
}

describe("passkey registration (#33, #35)", () => {
  it("stores the passkey, re-issues the session, ends the others, mails a notice and audits it", async () => {
    const account = await verifiedAccount();
    const other = await clientFor(account.userId);
    const before = account.client.sessionToken();
    const passkey = newSoftPasskey();
    const options = await account.client.post("/api/auth/passkeys/registration/options");
    expect(options.status).toBe(200);
    expect(options.body.options.rp).toEqual({ name: "Portcullis", id: RP_ID });
    expect(options.body.options.authenticatorSelection).toMatchObject({ residentKey: "preferred", userVerification: "required" });
    expect(options.body.options.attestation).toBe("none");
    const { challenge, user } = options.body.options;
    const response = registrationResponse(passkey, { challenge, userId: user.id, origin: ORIGIN, rpId: RP_ID });
    const res = await account.client.post("/api/auth/passkeys/registration", { name: "Work laptop", response });
    expect(res.status).toBe(201);
    expect(res.body.passkey).toMatchObject({ name: "Work laptop", lastUsedAt: null, synced: false, transports: ["internal"] });
    expect(res.body.passkey).not.toHaveProperty("publicKey");
    expect(res.body.revokedSessions).toBe(1);
    expect(account.client.sessionToken()).not.toBe(before);
    expect((await other.get("/api/auth/session")).status).toBe(401);
    expect((await latestMail(account.email, "passkey_added"))?.text_body).toContain('"Work laptop"');
    expect((await auditRows("passkey.registered", account.userId)).length).toBe(1);

    const list = await account.client.get("/api/auth/passkeys");
    expect(list.status).toBe(200);
    expect(list.body.passkeys.map((p: { name: string }) => p.name)).toEqual(["Work laptop"]);
    const options2 = await account.client.post("/api/auth/passkeys/registration/options");
    expect(options2.body.options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([response.id]);
  });

  it("needs a verified address and a recent re-authentication", async () => {
    const unverified = await signedInClient();
    const res = await unverified.client.post("/api/auth/passkeys/registration/options");
    expect([res.status, res.body.error.code]).toEqual([403, "email_not_verified"]);
    const account = await verifiedAccount();
    const stale = await clientFor(account.userId, { reauthenticatedAt: new Date(Date.now() - 3600_000) });
    const late = await stale.post("/api/auth/passkeys/registration/options");
    expect([late.status, late.body.error.code]).toEqual([403, "reauth_required"]);
  });

  it("refuses a replayed challenge and a challenge issued to another session", async () => {
    const account = await verifiedAccount();
    const { res, response } = await register(account, newSoftPasskey());
    expect(res.status).toBe(201);
    const replay = await account.client.post("/api/auth/passkeys/registration", { name: "Again", response });
    expect([replay.status, replay.body.error.code]).toEqual([401, "invalid_challenge"]);

    const elsewhere = await clientFor(account.userId);
    const stolen = await register(account, newSoftPasskey(), "Stolen", elsewhere);
    expect([stolen.res.status, stolen.res.body.error.code]).toEqual([401, "invalid_challenge"]);
    expect((await auditRows("passkey.failure", account.userId)).length).toBe(2);
  });

  it("refuses a response for another origin or RP ID, or without user verification", async () => {
    const account = await verifiedAccount();
    for (const wrong of [
      { origin: "https://portcullis.test.evil.example", rpId: RP_ID },
      { origin: ORIGIN, rpId: "evil.example" },
      { origin: ORIGIN, rpId: RP_ID, userVerified: false },
    ]) {
      const options = await account.client.post("/api/auth/passkeys/registration/options");
      const { challenge, user } = options.body.options;
      const response = registrationResponse(newSoftPasskey(), { challenge, userId: user.id, ...wrong });
      const res = await account.client.post("/api/auth/passkeys/registration", { name: "Phished", response });
      expect([res.status, res.body.error.code], JSON.stringify(wrong)).toEqual([401, "invalid_passkey"]);
    }
    expect((await account.client.get("/api/auth/passkeys")).body.passkeys).toEqual([]);
  });

  it("refuses a credential id already registered (to anyone)", async () => {
    const first = await registered();
    const second = await verifiedAccount();
    const { res } = await register(second, first.passkey);
    expect([res.status, res.body.error.code]).toEqual([409, "passkey_already_registered"]);
  });
});

describe("passkey sign-in (#26, #36)", () => {
  it("gives an aal2 session with amr hwk+mfa, bound to the pre-authentication cookie, and records the use", async () => {
    const account = await registered();
    const browser = new Client();
    const challenge = await signInOptions(browser);
    expect(browser.cookie(PASSKEY_COOKIE)).toBeDefined();
    const response = authenticationResponse(account.passkey, { challenge, origin: ORIGIN, rpId: RP_ID });
    const res = await browser.post("/api/auth/passkeys/sign-in", { response });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(account.userId);
    expect(res.body.session).toMatchObject({ aal: 2, amr: ["hwk", "mfa"] });
    expect(browser.cookie(PASSKEY_COOKIE)).toBeUndefined();
    expect((await browser.get("/api/auth/session")).body.user.id).toBe(account.userId);
    const [success] = await auditRows("login.success", account.userId);
    expect(success?.details).toMatchObject({ method: "passkey", aal: 2, passkeyId: account.passkeyId });
    const [listed] = (await account.client.get("/api/auth/passkeys")).body.passkeys;
    expect(listed.lastUsedAt).not.toBeNull();
  });

  it("refuses a replayed assertion and a challenge from another browser", async () => {
    const account = await registered();
    const browser = new Client();
    const response = authenticationResponse(account.passkey, { challenge: await signInOptions(browser), origin: ORIGIN, rpId: RP_ID });
    expect((await browser.post("/api/auth/passkeys/sign-in", { response })).status).toBe(200);
    const replay = await new Client().post("/api/auth/passkeys/sign-in", { response });
    expect([replay.status, replay.body.error.code]).toEqual([401, "invalid_challenge"]);

    const victim = new Client();
    const lifted = authenticationResponse(account.passkey, { challenge: await signInOptions(victim), origin: ORIGIN, rpId: RP_ID });
    const attacker = new Client();
    await signInOptions(attacker); // a cookie of its own, bound to another challenge
    const res = await attacker.post("/api/auth/passkeys/sign-in", { response: lifted });
    expect([res.status, res.body.error.code]).toEqual([401, "invalid_challenge"]);
  });

  it("refuses an expired challenge", async () => {
    const account = await registered();
    const browser = new Client();
    browser.now = Date.now();
    const challenge = await signInOptions(browser);
    const response = authenticationResponse(account.passkey, { challenge, origin: ORIGIN, rpId: RP_ID });
    const res = await browser.post("/api/auth/passkeys/sign-in", { response }, { now: Date.now() + 301_000 });
    expect([res.status, res.body.error.code]).toEqual([401, "invalid_challenge"]);
  });

  it("refuses another user's credential, a wrong key, another origin or RP ID, and a missing user verification", async () => {
    const account = await registered();
    const other = await registered();
    const cases: Record<string, (challenge: string) => ReturnType<typeof authenticationResponse>> = {
      "another user's handle": (challenge) =>
        authenticationResponse(account.passkey, { challenge, origin: ORIGIN, rpId: RP_ID, userHandle: other.passkey.userHandle }),
      "signed by another key": (challenge) =>
        authenticationResponse(account.passkey, {
          challenge,
          origin: ORIGIN,
          rpId: RP_ID,
          signingKey: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey,
        }),
      "another origin": (challenge) => authenticationResponse(account.passkey, { challenge, origin: "https://evil.example", rpId: RP_ID }),
      "another RP ID": (challenge) => authenticationResponse(account.passkey, { challenge, origin: ORIGIN, rpId: "evil.example" }),
      "no user verification": (challenge) =>
        authenticationResponse(account.passkey, { challenge, origin: ORIGIN, rpId: RP_ID, userVerified: false }),
      "an unknown credential": (challenge) => authenticationResponse(newSoftPasskey(), { challenge, origin: ORIGIN, rpId: RP_ID }),
    };
    for (const [name, build] of Object.entries(cases)) {
      const browser = new Client();
      const res = await browser.post("/api/auth/passkeys/sign-in", { response: build(await signInOptions(browser)) });
      expect([res.status, res.body.error.code], name).toEqual([401, "invalid_passkey"]);
      expect(browser.sessionToken(), name).toBeUndefined();
    }
    expect((await auditRows("passkey.failure", account.userId)).length).toBe(5);
  });

  it("refuses a sign counter that does not grow, and audits it", async () => {
    const account = await registered();
    const first = new Client();
    const ok = authenticationResponse(account.passkey, { challenge: await signInOptions(first), origin: ORIGIN, rpId: RP_ID, counter: 7 });
    expect((await first.post("/api/auth/passkeys/sign-in", { response: ok })).status).toBe(200);
    for (const counter of [7, 3]) {
      const clone = new Client();
      const response = authenticationResponse(account.passkey, {
        challenge: await signInOptions(clone),
        origin: ORIGIN,
        rpId: RP_ID,
        counter,
      });
      const res = await clone.post("/api/auth/passkeys/sign-in", { response });
      expect([res.status, res.body.error.code]).toEqual([401, "invalid_passkey"]);
    }
    const audits = await auditRows("passkey.counter_regressed", account.userId);
    expect(audits.map((a) => a.details.receivedCounter)).toEqual([3, 7]);
    expect(audits[0]?.details.storedCounter).toBe(7);
  });

  it("answers a request without a pre-authentication cookie or with a malformed response as documented", async () => {
    const account = await registered();
    const options = await new Client().post("/api/auth/passkeys/sign-in/options");
    const response = authenticationResponse(account.passkey, { challenge: options.body.options.challenge, origin: ORIGIN, rpId: RP_ID });
    const table: [unknown, number, string][] = [
      [{ response }, 401, "invalid_challenge"],
      [{}, 400, "invalid_request"],
      [{ response: { ...response, type: "password" } }, 400, "invalid_request"],
      [{ response: { ...response, response: { ...response.response, signature: "not base64url!" } } }, 400, "invalid_request"],
    ];
    for (const [body, status, code] of table) {
      const res = await new Client().post("/api/auth/passkeys/sign-in", body);
      expect([res.status, res.body.error.code], JSON.stringify(body).slice(0, 60)).toEqual([status, code]);
    }
  });
});

describe("passkey management (#33, #35)", () => {
  it("renames the caller's own passkey only", async () => {
    const account = await registered();
    const res = await account.client.request("PATCH", `/api/auth/passkeys/${account.passkeyId}`, { json: { name: "  Phone  " } });
    expect(res.status).toBe(204);
    expect((await account.client.get("/api/auth/passkeys")).body.passkeys[0].name).toBe("Phone");
    expect((await auditRows("passkey.renamed", account.userId)).length).toBe(1);
    const stranger = await verifiedAccount();
    const theirs = await stranger.client.request("PATCH", `/api/auth/passkeys/${account.passkeyId}`, { json: { name: "Mine" } });
    expect([theirs.status, theirs.body.error.code]).toEqual([404, "not_found"]);
    const empty = await account.client.request("PATCH", `/api/auth/passkeys/${account.passkeyId}`, { json: { name: " " } });
    expect([empty.status, empty.body.error.code]).toEqual([400, "invalid_request"]);
  });

  it("removes a passkey only from an aal2 session, ends the other sessions and mails a notice; it then no longer signs in", async () => {
    const account = await registered();
    const refused = await account.client.delete(`/api/auth/passkeys/${account.passkeyId}`);
    expect([refused.status, refused.body.error.code]).toEqual([403, "mfa_required"]);

    const browser = new Client();
    const signIn = authenticationResponse(account.passkey, { challenge: await signInOptions(browser), origin: ORIGIN, rpId: RP_ID });
    expect((await browser.post("/api/auth/passkeys/sign-in", { response: signIn })).status).toBe(200);
    const stranger = await registered();
    const strangerBrowser = new Client();
    const strangerSignIn = authenticationResponse(stranger.passkey, {
      challenge: await signInOptions(strangerBrowser),
      origin: ORIGIN,
      rpId: RP_ID,
    });
    expect((await strangerBrowser.post("/api/auth/passkeys/sign-in", { response: strangerSignIn })).status).toBe(200);
    const notTheirs = await strangerBrowser.delete(`/api/auth/passkeys/${account.passkeyId}`);
    expect([notTheirs.status, notTheirs.body.error.code]).toEqual([404, "not_found"]);

    const res = await browser.delete(`/api/auth/passkeys/${account.passkeyId}`);
    expect(res.status).toBe(200);
    expect(res.body.revokedSessions).toBe(1);
    expect((await account.client.get("/api/auth/session")).status).toBe(401);
    expect((await latestMail(account.email, "passkey_removed"))?.text_body).toContain('"Laptop"');
    expect((await auditRows("passkey.removed", account.userId)).length).toBe(1);

    const again = new Client();
    const gone = authenticationResponse(account.passkey, { challenge: await signInOptions(again), origin: ORIGIN, rpId: RP_ID });
    const denied = await again.post("/api/auth/passkeys/sign-in", { response: gone });
    expect([denied.status, denied.body.error.code]).toEqual([401, "invalid_passkey"]);
  });
});

describe("re-authentication with a passkey (#35)", () => {
  it("opens the window again with the caller's own passkey: a new session id, aal2, amr hwk+mfa", async () => {
    const account = await registered();
    const stale = await clientFor(account.userId, { reauthenticatedAt: new Date(Date.now() - 3600_000) });
    const refused = await stale.post("/api/auth/passkeys/registration/options");
    expect([refused.status, refused.body.error.code]).toEqual([403, "reauth_required"]);
    const before = stale.sessionToken();

    const options = await stale.post("/api/auth/reauth/passkey/options");
    expect(options.status).toBe(200);
    expect(options.body.options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([
      account.passkey.credentialId.toString("base64url"),
    ]);
    const response = authenticationResponse(account.passkey, { challenge: options.body.options.challenge, origin: ORIGIN, rpId: RP_ID });
    const res = await stale.post("/api/auth/reauth/passkey", { response });
    expect(res.status).toBe(200);
    expect(res.body.reauthenticatedUntil).toBeDefined();
    expect(stale.sessionToken()).not.toBe(before);
    expect((await stale.get("/api/auth/session")).body.session).toMatchObject({ aal: 2, amr: ["hwk", "mfa"] });
    expect((await stale.post("/api/auth/passkeys/registration/options")).status).toBe(200);
    const [audit] = await auditRows("reauth.success", account.userId);
    expect(audit?.details).toMatchObject({ method: "passkey", passkeyId: account.passkeyId });

    const replay = await stale.post("/api/auth/reauth/passkey", { response });
    expect([replay.status, replay.body.error.code]).toEqual([401, "invalid_challenge"]);
  });

  it("refuses another account's passkey, a challenge of another session, and an account without passkeys", async () => {
    const account = await registered();
    const other = await registered();
    const session = await clientFor(account.userId);
    const options = await session.post("/api/auth/reauth/passkey/options");
    const theirs = authenticationResponse(other.passkey, { challenge: options.body.options.challenge, origin: ORIGIN, rpId: RP_ID });
    const res = await session.post("/api/auth/reauth/passkey", { response: theirs });
    expect([res.status, res.body.error.code]).toEqual([401, "invalid_passkey"]);

    const first = await clientFor(account.userId);
    const second = await clientFor(account.userId);
    const issued = await first.post("/api/auth/reauth/passkey/options");
    const lifted = authenticationResponse(account.passkey, { challenge: issued.body.options.challenge, origin: ORIGIN, rpId: RP_ID });
    const moved = await second.post("/api/auth/reauth/passkey", { response: lifted });
    expect([moved.status, moved.body.error.code]).toEqual([401, "invalid_challenge"]);

    const none = await verifiedAccount();
    const empty = await none.client.post("/api/auth/reauth/passkey/options");
    expect([empty.status, empty.body.error.code]).toEqual([409, "no_passkeys"]);
  });
});
