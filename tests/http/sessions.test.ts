import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { Client, GOOD_PASSWORD, serverSql, signedInClient, uniqueEmail } from "../support/http";

const COOKIE = "__Host-portcullis_session";
const DAY = 86_400_000;
const MINUTE = 60_000;
const ABSOLUTE_SECONDS = 30 * 86400;

function setCookieLine(res: { headers: Headers }): string {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`));
  expect(line).toBeDefined();
  return line!;
}

describe("session cookie and headers (#23, #24, #25)", () => {
  it("sets a __Host- cookie: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, Max-Age <= absolute timeout", async () => {
    const email = uniqueEmail();
    const client = new Client();
    await client.post("/api/auth/register", { email, password: GOOD_PASSWORD });
    const res = await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    const line = setCookieLine(res);
    const attrs = line.split(";").map((p) => p.trim());
    expect(attrs).toEqual(expect.arrayContaining(["Secure", "HttpOnly", "SameSite=Lax", "Path=/"]));
    expect(attrs.some((a) => /^domain=/i.test(a))).toBe(false);
    const maxAge = Number(attrs.find((a) => a.startsWith("Max-Age="))!.slice(8));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(ABSOLUTE_SECONDS);
    expect(attrs[0]!.length).toBeLessThan(4096);
  });

  it("sends no-store, HSTS, nosniff, frame-ancestors and Referrer-Policy on auth responses", async () => {
    const { client } = await signedInClient();
    for (const res of [
      await client.get("/api/auth/session"),
      await new Client().get("/api/auth/session"),
      await new Client().post("/api/auth/login", {}),
    ]) {
      expect(res.headers.get("cache-control")).toContain("no-store");
      const hsts = res.headers.get("strict-transport-security")!;
      expect(Number(/max-age=(\d+)/.exec(hsts)![1])).toBeGreaterThanOrEqual(31536000);
      expect(hsts).toContain("includeSubDomains");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("referrer-policy")).toBeTruthy();
    }
  });

  it("issues distinct 128-bit ids with 256-bit secrets and stores only SHA-256 of the secret", async () => {
    const { client, email } = await signedInClient();
    const tokens = new Set<string>([client.sessionToken()!]);
    for (let i = 0; i < 4; i++) {
      const res = await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD });
      tokens.add(
        setCookieLine(res)
          .split(";")[0]!
          .slice(COOKIE.length + 1),
      );
    }
    expect(tokens.size).toBe(5);
    for (const token of tokens) {
      const [id, secret] = token.split(".");
      expect(Buffer.from(id!, "base64url")).toHaveLength(16);
      expect(Buffer.from(secret!, "base64url")).toHaveLength(32);
      const rows = await serverSql("SELECT secret_hash FROM sessions WHERE id = $1", [id]);
      expect(rows[0].secret_hash).toBe(createHash("sha256").update(secret!).digest("hex"));
      const leaks = await serverSql("SELECT count(*)::int AS n FROM sessions s WHERE s::text LIKE '%' || $1 || '%'", [secret]);
      expect(leaks[0].n).toBe(0);
    }
  });
});

describe("session validation (#26, #27, #28)", () => {
  it("never adopts an attacker-chosen cookie and issues a new token at every sign-in", async () => {
    const email = uniqueEmail();
    const client = new Client();
    await client.post("/api/auth/register", { email, password: GOOD_PASSWORD });
    const planted = `${randomBytes(16).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
    client.jar.set(COOKIE, planted);
    await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(client.sessionToken()).not.toBe(planted);
    const attacker = new Client();
    attacker.jar.set(COOKIE, planted);
    expect((await attacker.get("/api/auth/session")).status).toBe(401);
    const first = client.sessionToken();
    await client.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(client.sessionToken()).not.toBe(first);
  });

  it("accepts the token from the cookie or a bearer header, never from the URL or the body", async () => {
    const { client } = await signedInClient();
    const token = client.sessionToken()!;
    const bare = new Client();
    expect((await bare.get(`/api/auth/session?session=${encodeURIComponent(token)}`)).status).toBe(401);
    expect((await bare.get(`/api/auth/session?${COOKIE}=${encodeURIComponent(token)}`)).status).toBe(401);
    expect((await bare.post("/api/auth/reauth", { password: GOOD_PASSWORD, session: token, token })).status).toBe(401);
    expect((await bare.get("/api/auth/session", { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it("rejects random, altered and deleted-session tokens with one generic 401", async () => {
    const { client, userId } = await signedInClient();
    const token = client.sessionToken()!;
    const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    const random = `${randomBytes(16).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
    const bodies = new Set<string>();
    for (const value of [random, flipped, "garbage", ""]) {
      const c = new Client();
      c.jar.set(COOKIE, value);
      const res = await c.get("/api/auth/session");
      expect(res.status).toBe(401);
      bodies.add(res.text);
    }
    await serverSql("DELETE FROM sessions WHERE user_id = $1", [userId]);
    const gone = await client.get("/api/auth/session");
    expect(gone.status).toBe(401);
    bodies.add(gone.text);
    expect(bodies.size).toBe(1);
  });
});

describe("timeouts (#29, #30)", () => {
  it("slides the idle timeout with activity and rejects a session idle for longer than it", async () => {
    const { client } = await signedInClient();
    const id = client.sessionToken()!.split(".")[0];
    const row = (await serverSql("SELECT last_activity_at, idle_expires_at FROM sessions WHERE id = $1", [id]))[0];
    const before = row.last_activity_at;
    const idleExpiry = new Date(row.idle_expires_at).getTime();
    expect(idleExpiry - new Date(before).getTime()).toBe(7 * DAY);
    expect((await client.get("/api/auth/session", { now: idleExpiry - 1000 })).status).toBe(200);
    const after = (await serverSql("SELECT last_activity_at FROM sessions WHERE id = $1", [id]))[0].last_activity_at;
    expect(new Date(after).getTime()).toBeGreaterThan(new Date(before).getTime());
    const moved = new Date((await serverSql("SELECT idle_expires_at FROM sessions WHERE id = $1", [id]))[0].idle_expires_at).getTime();
    expect(moved).toBeGreaterThan(idleExpiry);
    expect((await client.get("/api/auth/session", { now: moved - 1000 })).status).toBe(200);
    expect((await client.get("/api/auth/session", { now: moved + 7 * DAY + 1000 })).status).toBe(401);
  });

  it("writes activity at most once a minute", async () => {
    const { client } = await signedInClient();
    const id = client.sessionToken()!.split(".")[0];
    const t0 = Date.now() + 5 * MINUTE;
    await client.get("/api/auth/session", { now: t0 });
    const first = (await serverSql("SELECT last_activity_at FROM sessions WHERE id = $1", [id]))[0].last_activity_at;
    await client.get("/api/auth/session", { now: t0 + 30_000 });
    expect((await serverSql("SELECT last_activity_at FROM sessions WHERE id = $1", [id]))[0].last_activity_at).toBe(first);
    await client.get("/api/auth/session", { now: t0 + 61_000 });
    expect((await serverSql("SELECT last_activity_at FROM sessions WHERE id = $1", [id]))[0].last_activity_at).not.toBe(first);
  });

  it("ends a busy session at the absolute timeout", async () => {
    const { client } = await signedInClient();
    const t0 = Date.now();
    for (let t = t0; t < t0 + 30 * DAY; t += 3.5 * DAY) {
      expect((await client.get("/api/auth/session", { now: t })).status).toBe(200);
    }
    expect((await client.get("/api/auth/session", { now: t0 + 30 * DAY + 1000 })).status).toBe(401);
  });
});

describe("sign-out and session management (#31, #34, #35)", () => {
  it("logout ends the session on the server and clears the cookie", async () => {
    const { client } = await signedInClient();
    const token = client.sessionToken()!;
    const res = await client.post("/api/auth/logout");
    expect(res.status).toBe(204);
    expect(setCookieLine(res)).toMatch(/Max-Age=0/);
    // not "cookies": the trusted-device and login-device cookies outlive a sign-out
    expect(res.headers.get("clear-site-data")).toBe('"cache", "storage"');
    const replay = new Client();
    replay.jar.set(COOKIE, token);
    expect((await replay.get("/api/auth/session")).status).toBe(401);
    const revoked = await serverSql("SELECT revoked_reason FROM sessions WHERE id = $1", [token.split(".")[0]]);
    expect(revoked[0].revoked_reason).toBe("logout");
  });

  it("lists only the caller's sessions, without token material, and revokes one by id", async () => {
    const { client, email } = await signedInClient();
    const second = new Client();
    await second.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    const stranger = await signedInClient();
    const list = await client.get("/api/auth/sessions");
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    expect(list.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(list.text).not.toMatch(/secret|hash|token/i);
    expect(list.text).not.toContain(second.sessionToken()!.split(".")[1]);
    const otherId = second.sessionToken()!.split(".")[0];
    expect((await client.delete(`/api/auth/sessions/${otherId}`)).status).toBe(204);
    expect((await second.get("/api/auth/session")).status).toBe(401);
    const strangerId = stranger.client.sessionToken()!.split(".")[0];
    expect((await client.delete(`/api/auth/sessions/${strangerId}`)).status).toBe(404);
    expect((await stranger.client.get("/api/auth/session")).status).toBe(200);
    expect((await client.delete("/api/auth/sessions/not-an-id")).status).toBe(404);
  });

  it("sign out everywhere needs a recent re-authentication and ends every session", async () => {
    const { client, email } = await signedInClient();
    const other = new Client();
    await other.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    const later = Date.now() + 11 * MINUTE;
    const denied = await client.post("/api/auth/logout-all", {}, { now: later });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("reauth_required");
    const oldToken = client.sessionToken();
    const reauth = await client.post("/api/auth/reauth", { password: GOOD_PASSWORD }, { now: later });
    expect(reauth.status).toBe(200);
    expect(client.sessionToken()).not.toBe(oldToken);
    const stale = new Client();
    stale.jar.set(COOKIE, oldToken!);
    expect((await stale.get("/api/auth/session", { now: later })).status).toBe(401);
    expect((await client.post("/api/auth/logout-all", { keepCurrent: true }, { now: later + 1000 })).body).toEqual({
      revoked: 1,
      keptCurrent: true,
    });
    expect((await other.get("/api/auth/session", { now: later + 2000 })).status).toBe(401);
    expect((await client.get("/api/auth/session", { now: later + 2000 })).status).toBe(200);
    const beyond = later + 11 * MINUTE;
    expect((await client.post("/api/auth/logout-all", {}, { now: beyond })).body.error.code).toBe("reauth_required");
  });

  it("re-authentication with a wrong password fails and counts toward the lock", async () => {
    const { client, email } = await signedInClient();
    const res = await client.post("/api/auth/reauth", { password: "not my password at all" });
    expect(res.status).toBe(401);
    const subject = createHash("sha256").update(email.toLowerCase()).digest("hex");
    expect((await serverSql("SELECT failures FROM login_throttles WHERE subject_hash = $1", [subject]))[0].failures).toBe(1);
  });
});
