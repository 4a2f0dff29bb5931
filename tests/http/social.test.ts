/**
 * Social sign-in over HTTP (issue 14) against real providers started here: oidc-provider as
 * Google and Microsoft, the small GitHub-shaped OAuth 2.0 server, and the small OpenID issuer
 * (the generic slot) whose ID tokens can be made wrong. On the Postgres pass the server uses the
 * worker's Postgres database, on the PGlite pass an embedded one. Every outcome of the callback, the
 * account-takeover cases, and tampering with state, the flow cookie, the code and the ID token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOTP, Secret } from "otpauth";
import { GOOD_PASSWORD, uniqueEmail } from "../support/http";
import { freePort, startPortcullis, type StartedServer } from "../support/portcullis-server";
import { usingPglite } from "../support/env";
import { testDb, testDbUrl } from "../support/db";
import {
  BrowserJar,
  startOidcProvider,
  startTestOAuthServer,
  type Hop,
  type RunningProvider,
  type TestOAuthServer,
} from "../support/social-idps";

let site: StartedServer;
let idp: RunningProvider;
let github: TestOAuthServer;
let acme: TestOAuthServer;

const SECRET = "test-client-secret-0123456789";

beforeAll(async () => {
  // on the Postgres pass the server runs on this worker's (migrated) throwaway database
  if (!usingPglite) await testDb();
  const database: Record<string, string> = usingPglite ? {} : { POSTGRES_URL: testDbUrl()!, PORTCULLIS_DB_DRIVER: "pg" };
  const [idpPort, githubPort, acmePort] = [await freePort(), await freePort(), await freePort()];
  const idpUrl = `http://127.0.0.1:${idpPort}`;
  site = await startPortcullis("social", {
    ...database,
    GOOGLE_CLIENT_ID: "google-client",
    GOOGLE_CLIENT_SECRET: SECRET,
    GOOGLE_ISSUER: idpUrl,
    MICROSOFT_CLIENT_ID: "microsoft-client",
    MICROSOFT_CLIENT_SECRET: SECRET,
    MICROSOFT_ISSUER: idpUrl,
    GITHUB_CLIENT_ID: "github-client",
    GITHUB_CLIENT_SECRET: SECRET,
    GITHUB_URL: `http://127.0.0.1:${githubPort}`,
    GITHUB_API_URL: `http://127.0.0.1:${githubPort}/api`,
    OIDC_ISSUER: `http://127.0.0.1:${acmePort}`,
    OIDC_CLIENT_ID: "acme-client",
    OIDC_CLIENT_SECRET: SECRET,
    OIDC_NAME: "Acme SSO",
    OIDC_TRUST_EMAIL_VERIFIED: "true",
  });
  const redirect = (p: string) => `${site.url}/api/auth/social/${p}/callback`;
  idp = await startOidcProvider(
    [
      { clientId: "google-client", clientSecret: SECRET, redirectUri: redirect("google") },
      { clientId: "microsoft-client", clientSecret: SECRET, redirectUri: redirect("microsoft") },
    ],
    [],
    idpPort,
  );
  github = await startTestOAuthServer(
    "github",
    { clientId: "github-client", clientSecret: SECRET, redirectUri: redirect("github") },
    githubPort,
  );
  acme = await startTestOAuthServer("oidc", { clientId: "acme-client", clientSecret: SECRET, redirectUri: redirect("oidc") }, acmePort);
}, 300_000);

afterAll(async () => {
  await Promise.all([site?.stop(), idp?.stop(), github?.stop(), acme?.stop()]);
});

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields[m[1]!] = m[2]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))).replace(/&amp;/g, "&");
  }
  return fields;
}

function formAction(html: string, pageUrl: string): string {
  const m = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no form at ${pageUrl}: ${html.slice(0, 300)}`);
  return new URL(m[1]!.replace(/&amp;/g, "&"), pageUrl).toString();
}

/** From a start URL through the provider's login page (as `login`) to the site's callback URL (not fetched). */
async function toCallback(jar: BrowserJar, startUrl: string, login: string, decision = "allow"): Promise<string> {
  let hop: Hop = await jar.fetch(startUrl);
  for (let i = 0; i < 12; i++) {
    if (hop.location) {
      if (hop.location.startsWith(`${site.url}/api/auth/social/`) && hop.location.includes("/callback")) return hop.location;
      hop = await jar.fetch(hop.location);
      continue;
    }
    if (hop.status === 200 && hop.text.includes("<form")) {
      hop = await jar.fetch(formAction(hop.text, hop.url), { form: { ...hiddenFields(hop.text), login, password: "any", decision } });
      continue;
    }
    throw new Error(`stuck at ${hop.url}: ${hop.status} ${hop.text.slice(0, 300)}`);
  }
  throw new Error("too many hops");
}

const start = (provider: string) => `${site.url}/api/auth/social/${provider}/start`;

async function signInWith(provider: string, login: string, jar = new BrowserJar()): Promise<{ jar: BrowserJar; hop: Hop }> {
  const callback = await toCallback(jar, start(provider), login);
  return { jar, hop: await jar.fetch(callback) };
}

function sessionOf(jar: BrowserJar): string | undefined {
  return jar.cookies(site.url).get("portcullis_session");
}

async function me(jar: BrowserJar): Promise<{ status: number; body: any }> {
  const hop = await jar.fetch(`${site.url}/api/auth/session`);
  return { status: hop.status, body: hop.text ? JSON.parse(hop.text) : null };
}

async function passwordAccount(email = uniqueEmail("social")): Promise<{ jar: BrowserJar; email: string; userId: string }> {
  const jar = new BrowserJar();
  const reg = await jar.fetch(`${site.url}/api/auth/register`, { json: { email, password: GOOD_PASSWORD } });
  expect(reg.status).toBe(201);
  const login = await jar.fetch(`${site.url}/api/auth/login`, { json: { email, password: GOOD_PASSWORD } });
  expect(login.status).toBe(200);
  return { jar, email, userId: JSON.parse(login.text).user.id };
}

function errorOf(hop: Hop): string | null {
  return hop.location ? new URL(hop.location).searchParams.get("error") : null;
}

async function auditTypes(userId: string): Promise<string[]> {
  const rows = await site.sql<{ event_type: string }>("SELECT event_type FROM audit_logs WHERE target_id = $1 ORDER BY id", [userId]);
  return rows.map((r) => r.event_type);
}

async function lastFailureReason(): Promise<string> {
  const rows = await site.sql<{ details: { reason: string } }>(
    "SELECT details FROM audit_logs WHERE event_type = 'oauth.failed' ORDER BY id DESC LIMIT 1",
  );
  return rows[0]!.details.reason;
}

let seq = 1000;
const nextSub = () => String(++seq);

describe("social sign-in", () => {
  it("runs on the pass's database (Postgres on the Postgres pass)", async () => {
    const health = await (await fetch(`${site.url}/api/health`)).json();
    expect(health.driver).toBe(usingPglite ? "pglite" : "pg");
  });

  it("shows a button for each configured provider on /sign-in", async () => {
    const page = await new BrowserJar().fetch(`${site.url}/sign-in`);
    const buttons = [...page.text.matchAll(/href="(\/api\/auth\/social\/[a-z]+\/start)">Continue with (?:<!-- -->)?([^<]+)</g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(buttons).toEqual([
      ["/api/auth/social/google/start", "Google"],
      ["/api/auth/social/microsoft/start", "Microsoft"],
      ["/api/auth/social/github/start", "GitHub"],
      ["/api/auth/social/oidc/start", "Acme SSO"],
    ]);
  });

  it("first Google sign-in with a verified Gmail address creates a verified account without a password", async () => {
    const sub = nextSub();
    const email = `new-${sub}@gmail.com`;
    idp.accounts.set(sub, { sub, email, email_verified: true, name: "New Person" });
    const { jar, hop } = await signInWith("google", sub);
    expect(hop.status).toBe(303);
    expect(hop.location).toBe(`${site.url}/`);
    const session = await me(jar);
    expect(session.status).toBe(200);
    expect(session.body.user.email).toBe(email);
    const [user] = await site.sql("SELECT id, password_hash, email_verified_at FROM users WHERE email = $1", [email]);
    expect(user.password_hash).toBeNull();
    expect(user.email_verified_at).not.toBeNull();
    const [link] = await site.sql("SELECT provider, provider_account_id FROM oauth_accounts WHERE user_id = $1", [user.id]);
    expect(link).toEqual({ provider: "google", provider_account_id: sub });
    expect(await auditTypes(user.id)).toEqual(expect.arrayContaining(["oauth.registered", "login.success", "oauth.signed_in"]));
    // the flow cookie is gone: one use
    expect(jar.cookies(site.url).has("portcullis_social_flow")).toBe(false);
  });

  it("a linked identity signs in to the same account, keyed by subject even after the provider's email changed", async () => {
    const sub = nextSub();
    idp.accounts.set(sub, { sub, email: `again-${sub}@gmail.com`, email_verified: true });
    const first = await signInWith("google", sub);
    const userId = (await me(first.jar)).body.user.id;
    idp.accounts.set(sub, { sub, email: `renamed-${sub}@gmail.com`, email_verified: true });
    const second = await signInWith("google", sub);
    expect(second.hop.location).toBe(`${site.url}/`);
    expect((await me(second.jar)).body.user.id).toBe(userId);
    const [count] = await site.sql("SELECT count(*)::int AS n FROM users WHERE email LIKE $1", [`%-${sub}@gmail.com`]);
    expect(count.n).toBe(1);
  });

  it("keeps returnTo (same-origin only) through the provider", async () => {
    const sub = nextSub();
    idp.accounts.set(sub, { sub, email: `ret-${sub}@gmail.com`, email_verified: true });
    const jar = new BrowserJar();
    const callback = await toCallback(jar, `${start("google")}?returnTo=${encodeURIComponent("/account/security")}`, sub);
    expect((await jar.fetch(callback)).location).toBe(`${site.url}/account/security`);
    const jar2 = new BrowserJar();
    const callback2 = await toCallback(jar2, `${start("google")}?returnTo=${encodeURIComponent("https://evil.example/")}`, sub);
    expect((await jar2.fetch(callback2)).location).toBe(`${site.url}/`);
  });

  it("asks for the local second step when the account has one", async () => {
    const sub = nextSub();
    idp.accounts.set(sub, { sub, email: `mfa-${sub}@gmail.com`, email_verified: true });
    const first = await signInWith("google", sub);
    const userId = (await me(first.jar)).body.user.id;
    await site.sql(
      "INSERT INTO mfa_factors (user_id, status, encrypted_secret, confirmed_at) VALUES ($1, 'active', 'v1.dev1.AAAA.AAAA', now())",
      [userId],
    );
    const { jar, hop } = await signInWith("google", sub);
    expect(hop.location).toMatch(new RegExp(`^${site.url}/sign-in#challenge=[A-Za-z0-9_.-]+$`));
    expect(sessionOf(jar)).toBeUndefined();
    expect((await me(jar)).status).toBe(401);
    const types = await auditTypes(userId);
    expect(types.at(-2)).toBe("login.mfa_required");
    expect(types.at(-1)).toBe("oauth.signed_in");
  });

  it("completes the second step with a TOTP code, and the aal2 session records the federated first factor", async () => {
    const sub = nextSub();
    idp.accounts.set(sub, { sub, email: `totp-${sub}@gmail.com`, email_verified: true });
    const first = await signInWith("google", sub);
    // enrol TOTP the real way (the account is verified and the session is fresh)
    const setup = await first.jar.fetch(`${site.url}/api/auth/mfa/totp/setup`, { json: {} });
    expect(setup.status).toBe(200);
    const secret = JSON.parse(setup.text).secret as string;
    const step = Math.floor(Date.now() / 30_000);
    const code = (offset: number) =>
      HOTP.generate({ secret: Secret.fromBase32(secret), counter: step + offset, digits: 6, algorithm: "SHA1" });
    const confirmed = await first.jar.fetch(`${site.url}/api/auth/mfa/totp/confirm`, { json: { code: code(0) } });
    expect(confirmed.status).toBe(200);

    const { jar, hop } = await signInWith("google", sub);
    const challenge = new URLSearchParams(new URL(hop.location!).hash.slice(1)).get("challenge")!;
    expect(challenge).toBeTruthy();
    // the next time step, so the code is not the one used to confirm
    const done = await jar.fetch(`${site.url}/api/auth/login/mfa`, {
      json: { challenge, code: code(1), trustDevice: false },
      headers: { "x-test-now": String((step + 1) * 30_000 + 1000) },
    });
    expect(done.status).toBe(200);
    const sessionId = sessionOf(jar)!.split(".")[0];
    const [row] = await site.sql("SELECT aal, amr FROM sessions WHERE id = $1", [sessionId]);
    expect(row).toEqual({ aal: 2, amr: ["fed", "otp"] });
  });

  describe("pre-account takeover: an attacker's provider account with the victim's email", () => {
    it("with the email unverified, does not reach the victim's account and does not say it exists", async () => {
      const victim = await passwordAccount(`victim-${nextSub()}@gmail.com`);
      const sub = nextSub();
      idp.accounts.set(sub, { sub, email: victim.email, email_verified: false });
      const { jar, hop } = await signInWith("google", sub);
      expect(errorOf(hop)).toBe("social_email_unverified");
      expect(sessionOf(jar)).toBeUndefined();
      expect(await site.sql("SELECT id FROM oauth_accounts WHERE user_id = $1", [victim.userId])).toEqual([]);
      // the same answer as for an address no account has
      const stranger = nextSub();
      idp.accounts.set(stranger, { sub: stranger, email: `nobody-${stranger}@gmail.com`, email_verified: false });
      expect(errorOf((await signInWith("google", stranger)).hop)).toBe("social_email_unverified");
    });

    it("with the email verified, is not linked automatically: the person must sign in and link", async () => {
      const victim = await passwordAccount(`victim-${nextSub()}@gmail.com`);
      const sub = nextSub();
      idp.accounts.set(sub, { sub, email: victim.email, email_verified: true });
      const { jar, hop } = await signInWith("google", sub);
      expect(errorOf(hop)).toBe("social_account_exists");
      expect(new URL(hop.location!).pathname).toBe("/sign-in");
      expect(sessionOf(jar)).toBeUndefined();
      expect(await site.sql("SELECT id FROM oauth_accounts WHERE user_id = $1", [victim.userId])).toEqual([]);
      expect(await lastFailureReason()).toBe("email_in_use");
    });

    it("Microsoft's email claim is never taken as verified (no account from it, no link by it)", async () => {
      const victim = await passwordAccount();
      const sub = nextSub();
      idp.accounts.set(sub, { sub, email: victim.email, email_verified: true });
      const { hop } = await signInWith("microsoft", sub);
      expect(errorOf(hop)).toBe("social_email_unverified");
      expect(await site.sql("SELECT id FROM oauth_accounts WHERE user_id = $1", [victim.userId])).toEqual([]);
    });

    it("Google's email_verified for an address Google does not host is not trusted", async () => {
      const sub = nextSub();
      idp.accounts.set(sub, { sub, email: `someone-${sub}@example.org`, email_verified: true });
      expect(errorOf((await signInWith("google", sub)).hop)).toBe("social_email_unverified");
    });
  });

  describe("GitHub (plain OAuth 2.0)", () => {
    it("creates an account from a verified primary address, and signs it in again by user id", async () => {
      const sub = nextSub();
      const email = `gh-${sub}@example.com`;
      github.accounts.set(`octo${sub}`, { sub, name: "Octo", emails: [{ email, primary: true, verified: true }] });
      const first = await signInWith("github", `octo${sub}`);
      expect(first.hop.location).toBe(`${site.url}/`);
      const userId = (await me(first.jar)).body.user.id;
      const [row] = await site.sql("SELECT provider_account_id, email FROM oauth_accounts WHERE user_id = $1", [userId]);
      expect(row).toEqual({ provider_account_id: sub, email });
      const again = await signInWith("github", `octo${sub}`);
      expect((await me(again.jar)).body.user.id).toBe(userId);
    });

    it("refuses an unverified primary address", async () => {
      const sub = nextSub();
      github.accounts.set(`octo${sub}`, { sub, emails: [{ email: `ghu-${sub}@example.com`, primary: true, verified: false }] });
      expect(errorOf((await signInWith("github", `octo${sub}`)).hop)).toBe("social_email_unverified");
    });

    it("a cancelled consent comes back as social_access_denied on /sign-in, which shows the message", async () => {
      const jar = new BrowserJar();
      const callback = await toCallback(jar, start("github"), "nobody-at-all", "deny");
      const hop = await jar.fetch(callback);
      expect(hop.location).toBe(`${site.url}/sign-in?error=social_access_denied`);
      const page = await jar.fetch(hop.location!);
      expect(page.text).toContain("Signing in with the provider was cancelled.");
    });
  });

  describe("linking and unlinking", () => {
    async function link(jar: BrowserJar, provider: string, login: string): Promise<Hop> {
      const started = await jar.fetch(`${site.url}/api/auth/social/${provider}/link`, { json: {} });
      expect(started.status).toBe(200);
      const callback = await toCallback(jar, JSON.parse(started.text).url, login);
      return jar.fetch(callback);
    }

    it("a signed-in user links GitHub from the account page, then signs in with it; unlinking is audited", async () => {
      const owner = await passwordAccount();
      const sub = nextSub();
      github.accounts.set(`link${sub}`, { sub, emails: [{ email: `other-${sub}@example.com`, primary: true, verified: false }] });
      const hop = await link(owner.jar, "github", `link${sub}`);
      expect(hop.location).toBe(`${site.url}/account/security?linked=github`);
      const listed = JSON.parse((await owner.jar.fetch(`${site.url}/api/auth/social/accounts`)).text);
      expect(listed.hasPassword).toBe(true);
      expect(listed.accounts).toHaveLength(1);
      expect(listed.accounts[0]).not.toHaveProperty("providerAccountId");
      // signs in to the owner's account (even though its provider email is unverified and different)
      const viaGithub = await signInWith("github", `link${sub}`);
      expect((await me(viaGithub.jar)).body.user.id).toBe(owner.userId);
      const unlinked = await owner.jar.fetch(`${site.url}/api/auth/social/accounts/${listed.accounts[0].id}`, { method: "DELETE" });
      expect(unlinked.status).toBe(200);
      expect(await auditTypes(owner.userId)).toEqual(expect.arrayContaining(["oauth.linked", "oauth.unlinked"]));
    });

    it("an identity linked to user A cannot be linked to user B", async () => {
      const a = await passwordAccount();
      const b = await passwordAccount();
      const sub = nextSub();
      github.accounts.set(`shared${sub}`, { sub, emails: [] });
      expect((await link(a.jar, "github", `shared${sub}`)).location).toContain("linked=github");
      const hop = await link(b.jar, "github", `shared${sub}`);
      expect(errorOf(hop)).toBe("social_identity_in_use");
      expect(new URL(hop.location!).pathname).toBe("/account/security");
      const [row] = await site.sql("SELECT user_id FROM oauth_accounts WHERE provider = 'github' AND provider_account_id = $1", [sub]);
      expect(row.user_id).toBe(a.userId);
    });

    it("linking needs a recent re-authentication", async () => {
      const owner = await passwordAccount();
      const later = String(Date.now() + 3600_000);
      const started = await owner.jar.fetch(`${site.url}/api/auth/social/github/link`, { json: {}, headers: { "x-test-now": later } });
      expect(started.status).toBe(403);
      expect(JSON.parse(started.text).error.code).toBe("reauth_required");
    });

    it("a link flow only completes for the session that started it", async () => {
      const owner = await passwordAccount();
      const sub = nextSub();
      github.accounts.set(`sess${sub}`, { sub, emails: [] });
      const started = await owner.jar.fetch(`${site.url}/api/auth/social/github/link`, { json: {} });
      const callback = await toCallback(owner.jar, JSON.parse(started.text).url, `sess${sub}`);
      await owner.jar.fetch(`${site.url}/api/auth/logout`, { json: {} });
      const hop = await owner.jar.fetch(callback);
      expect(errorOf(hop)).toBe("social_flow_expired");
      expect(await site.sql("SELECT id FROM oauth_accounts WHERE user_id = $1", [owner.userId])).toEqual([]);
    });

    it("the last way to sign in cannot be unlinked", async () => {
      const sub = nextSub();
      idp.accounts.set(sub, { sub, email: `only-${sub}@gmail.com`, email_verified: true });
      const { jar } = await signInWith("google", sub);
      const listed = JSON.parse((await jar.fetch(`${site.url}/api/auth/social/accounts`)).text);
      expect(listed.hasPassword).toBe(false);
      const refused = await jar.fetch(`${site.url}/api/auth/social/accounts/${listed.accounts[0].id}`, { method: "DELETE" });
      expect(refused.status).toBe(409);
      expect(JSON.parse(refused.text).error.code).toBe("last_sign_in_method");
      // with a second identity linked, the first may go
      const gh = nextSub();
      github.accounts.set(`second${gh}`, { sub: gh, emails: [] });
      expect((await link(jar, "github", `second${gh}`)).location).toContain("linked=github");
      const removed = await jar.fetch(`${site.url}/api/auth/social/accounts/${listed.accounts[0].id}`, { method: "DELETE" });
      expect(removed.status).toBe(200);
    });
  });

  describe("tampering", () => {
    async function freshFlow(provider = "github") {
      const sub = nextSub();
      github.accounts.set(`t${sub}`, { sub, emails: [{ email: `t-${sub}@example.com`, primary: true, verified: true }] });
      idp.accounts.set(sub, { sub, email: `t-${sub}@gmail.com`, email_verified: true });
      acme.accounts.set(`t${sub}`, { sub, email: `t-${sub}@acme.example`, email_verified: true });
      const jar = new BrowserJar();
      const callback = await toCallback(jar, start(provider), provider === "google" ? sub : `t${sub}`);
      return { jar, callback };
    }

    it("refuses a callback in another browser (no flow cookie there): login CSRF and code injection", async () => {
      const { callback } = await freshFlow();
      const other = new BrowserJar();
      const hop = await other.fetch(callback);
      expect(errorOf(hop)).toBe("social_flow_expired");
      expect(sessionOf(other)).toBeUndefined();
      expect(await lastFailureReason()).toBe("flow_missing");
    });

    it("refuses a callback with another flow's state (the attacker's code in the victim's browser)", async () => {
      const attacker = await freshFlow();
      const victim = await freshFlow();
      // the victim's browser gets the attacker's callback URL: its own cookie, the attacker's state and code
      const hop = await victim.jar.fetch(attacker.callback);
      expect(errorOf(hop)).toBe("social_sign_in_failed");
      expect(sessionOf(victim.jar)).toBeUndefined();
    });

    it("refuses a tampered state and a missing state", async () => {
      const a = await freshFlow();
      const tampered = new URL(a.callback);
      tampered.searchParams.set("state", `${tampered.searchParams.get("state")}x`);
      expect(errorOf(await a.jar.fetch(tampered.toString()))).toBe("social_sign_in_failed");
      const b = await freshFlow();
      const missing = new URL(b.callback);
      missing.searchParams.delete("state");
      expect(errorOf(await b.jar.fetch(missing.toString()))).toBe("social_sign_in_failed");
    });

    it("a wrong PKCE verifier fails the exchange: a flow cookie from another attempt does not fit the code", async () => {
      const a = await freshFlow();
      const b = new BrowserJar();
      // b starts its own flow (its own state and verifier), then is handed a's code with b's state
      const bCallback = new URL(await toCallback(b, start("github"), [...github.accounts.keys()].at(-1)!));
      const mixed = new URL(a.callback);
      mixed.searchParams.set("state", bCallback.searchParams.get("state")!);
      const hop = await b.fetch(mixed.toString());
      expect(errorOf(hop)).toBe("social_sign_in_failed");
      expect(sessionOf(b)).toBeUndefined();
    });

    it("refuses a replayed callback, and a replayed code even with the cookie restored", async () => {
      const { jar, callback } = await freshFlow();
      const cookie = jar.cookies(site.url).get("portcullis_social_flow")!;
      expect((await jar.fetch(callback)).location).toBe(`${site.url}/`);
      expect(errorOf(await jar.fetch(callback))).toBe("social_flow_expired");
      jar.cookies(site.url).set("portcullis_social_flow", cookie);
      expect(errorOf(await jar.fetch(callback))).toBe("social_sign_in_failed");
    });

    it("refuses a tampered or expired flow cookie", async () => {
      const a = await freshFlow();
      const cookie = a.jar.cookies(site.url).get("portcullis_social_flow")!;
      a.jar.cookies(site.url).set("portcullis_social_flow", `${cookie.slice(0, -2)}${cookie.endsWith("A") ? "B" : "A"}A`);
      expect(errorOf(await a.jar.fetch(a.callback))).toBe("social_flow_expired");
      const b = await freshFlow();
      const late = await b.jar.fetch(b.callback, { headers: { "x-test-now": String(Date.now() + 11 * 60_000) } });
      expect(errorOf(late)).toBe("social_flow_expired");
    });

    for (const fault of ["aud", "iss", "nonce", "expired"] as const) {
      it(`refuses an ID token with the wrong ${fault}`, async () => {
        acme.idTokenFault = fault;
        try {
          const { jar, callback } = await freshFlow("oidc");
          const hop = await jar.fetch(callback);
          expect(errorOf(hop)).toBe("social_sign_in_failed");
          expect(sessionOf(jar)).toBeUndefined();
        } finally {
          acme.idTokenFault = null;
        }
      });
    }

    it("the generic issuer signs in when its ID token is right (the control for the cases above)", async () => {
      const { jar, callback } = await freshFlow("oidc");
      expect((await jar.fetch(callback)).location).toBe(`${site.url}/`);
      expect((await me(jar)).status).toBe(200);
    });

    it("an unconfigured provider has no start route and its callback lands on /sign-in", async () => {
      const jar = new BrowserJar();
      expect((await jar.fetch(`${site.url}/api/auth/social/facebook/start`)).status).toBe(404);
      expect(errorOf(await jar.fetch(`${site.url}/api/auth/social/facebook/callback?code=x&state=y`))).toBe("social_sign_in_failed");
    });
  });
});
