import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Client, GOOD_PASSWORD, serverSql, uniqueEmail } from "../support/http";
import { totpAt as totp } from "../support/totp";

const STEP_MS = 30_000;
const DAY_MS = 86_400_000;
const DEVICE_COOKIE = "__Host-portcullis_device";

function nextStep(): number {
  return (Math.floor(Date.now() / STEP_MS) + 1) * STEP_MS + 1000;
}

interface MfaAccount {
  client: Client;
  email: string;
  userId: string;
  secret: string;
}

/** Registers, signs in and confirms TOTP at `at`. */
async function enrolled(at: number): Promise<MfaAccount> {
  const email = uniqueEmail("device");
  const client = new Client();
  client.now = at;
  expect((await client.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  // TOTP enrolment needs a verified address
  await serverSql("UPDATE users SET email_verified_at = now() WHERE email = $1", [email]);
  const login = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
  const setup = await client.post("/api/auth/mfa/totp/setup");
  expect((await client.post("/api/auth/mfa/totp/confirm", { code: totp(setup.body.secret, at) })).status).toBe(200);
  return { client, email, userId: login.body.user.id, secret: setup.body.secret };
}

function login(client: Client, user: MfaAccount, at: number) {
  return client.post("/api/auth/login", { email: user.email, password: GOOD_PASSWORD }, { now: at });
}

/** Both steps on `client`, asking to trust it; returns the second step's response. */
async function signInTrusting(client: Client, user: MfaAccount, at: number) {
  const first = await login(client, user, at);
  expect(first.body.status).toBe("mfa_required");
  return client.post(
    "/api/auth/login/mfa",
    { challenge: first.body.challenge, code: totp(user.secret, at), trustDevice: true },
    { now: at },
  );
}

describe("trusted devices", { timeout: 180_000 }, () => {
  it("a trusted device skips the second step for its own user only, with an aal1 session", async () => {
    const at = nextStep();
    const [alice, bob] = await Promise.all([enrolled(at), enrolled(at)]);
    const browser = new Client();
    const t = at + STEP_MS;
    const trusted = await signInTrusting(browser, alice, t);
    expect(trusted.status).toBe(200);
    expect(trusted.body.deviceTrusted).toBe(true);
    const cookie = trusted.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Max-Age=2592000(;|$)/);
    expect(cookie).not.toMatch(/Domain=/i);
    const [row] = await serverSql("SELECT secret_hash FROM trusted_devices WHERE user_id = $1", [alice.userId]);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const [, secretPart] = browser.cookie(DEVICE_COOKIE)!.split(".");
    expect(createHash("sha256").update(secretPart!).digest("hex")).toBe(row.secret_hash); // only the hash is stored
    expect(await serverSql("SELECT 1 FROM audit_logs WHERE target_id = $1 AND event_type = 'device.trusted'", [alice.userId])).toHaveLength(
      1,
    );

    const again = await login(browser, alice, t + STEP_MS);
    expect(again.body.status).toBe("signed_in");
    expect(again.body.session).toMatchObject({ aal: 1, amr: ["pwd", "device"] });

    const other = await login(browser, bob, t + STEP_MS);
    expect(other.body.status).toBe("mfa_required");
    const elsewhere = await login(new Client(), alice, t + STEP_MS);
    expect(elsewhere.body.status).toBe("mfa_required");
  });

  it("lists the user's devices without token material; revoking one makes it ask for the second step again", async () => {
    const at = nextStep();
    const [alice, bob] = await Promise.all([enrolled(at), enrolled(at)]);
    const browser = new Client();
    const t = at + STEP_MS;
    expect((await signInTrusting(browser, alice, t)).status).toBe(200);
    const deviceToken = browser.cookie(DEVICE_COOKIE)!;

    const list = await browser.get("/api/auth/devices", { now: t });
    expect(list.status).toBe(200);
    expect(list.body.devices).toHaveLength(1);
    const [device] = list.body.devices;
    expect(Object.keys(device).sort()).toEqual(["createdAt", "current", "expiresAt", "id", "ip", "label", "lastUsedAt"]);
    expect(device.current).toBe(true);
    expect(list.text).not.toContain(deviceToken.split(".")[1]);
    expect((await bob.client.get("/api/auth/devices", { now: t })).body.devices).toEqual([]);

    const foreign = await bob.client.delete(`/api/auth/devices/${device.id}`, { now: t });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("not_found");
    expect((await bob.client.delete("/api/auth/devices/not-an-id", { now: t })).status).toBe(404);
    expect((await login(browser, alice, t)).body.status).toBe("signed_in");

    // revoked from another of Alice's sessions: the browser keeps its cookie, the server refuses it
    const revoked = await alice.client.delete(`/api/auth/devices/${device.id}`, { now: t });
    expect(revoked.status).toBe(204);
    expect(await serverSql("SELECT 1 FROM audit_logs WHERE target_id = $1 AND event_type = 'device.revoked'", [alice.userId])).toHaveLength(
      1,
    );
    expect(browser.cookie(DEVICE_COOKIE)).toBe(deviceToken);
    expect((await login(browser, alice, t + STEP_MS)).body.status).toBe("mfa_required");
    expect((await alice.client.get("/api/auth/devices", { now: t })).body.devices).toEqual([]);
    expect((await alice.client.delete(`/api/auth/devices/${device.id}`, { now: t })).status).toBe(404);
  });

  it("revoking the current device clears its cookie", async () => {
    const at = nextStep();
    const alice = await enrolled(at);
    const browser = new Client();
    const t = at + STEP_MS;
    expect((await signInTrusting(browser, alice, t)).status).toBe(200);
    const [device] = (await browser.get("/api/auth/devices", { now: t })).body.devices;
    const res = await browser.delete(`/api/auth/devices/${device.id}`, { now: t });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${DEVICE_COOKIE}=;`) && /Max-Age=0/.test(c))).toBe(true);
    expect(browser.cookie(DEVICE_COOKIE)).toBeUndefined();
  });

  it("a trusted device stops skipping the second step when it expires", async () => {
    const at = nextStep();
    const alice = await enrolled(at);
    const browser = new Client();
    const t = at + STEP_MS;
    expect((await signInTrusting(browser, alice, t)).status).toBe(200);
    expect((await login(browser, alice, t + 30 * DAY_MS - 1000)).body.status).toBe("signed_in");
    expect((await login(browser, alice, t + 30 * DAY_MS + 1000)).body.status).toBe("mfa_required");
  });

  it("a trusted-device (aal1) session cannot disable MFA or regenerate backup codes until a second factor is verified", async () => {
    const at = nextStep();
    const alice = await enrolled(at);
    const browser = new Client();
    const t = at + STEP_MS;
    expect((await signInTrusting(browser, alice, t)).status).toBe(200);
    const t2 = t + STEP_MS;
    const remembered = await login(browser, alice, t2);
    expect(remembered.body.session.aal).toBe(1);
    for (const path of ["/api/auth/mfa/totp/disable", "/api/auth/mfa/backup-codes"]) {
      const res = await browser.post(path, undefined, { now: t2 });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe("mfa_required");
    }
    const stepUp = await browser.post("/api/auth/reauth", { password: GOOD_PASSWORD, code: totp(alice.secret, t2) }, { now: t2 });
    expect(stepUp.status).toBe(200);
    expect((await browser.get("/api/auth/session", { now: t2 })).body.session.aal).toBe(2);
    const disabled = await browser.post("/api/auth/mfa/totp/disable", undefined, { now: t2 });
    expect(disabled.status).toBe(200);
    // turning MFA off also forgets every trusted device
    expect((await browser.get("/api/auth/devices", { now: t2 })).body.devices).toEqual([]);
  });
});
