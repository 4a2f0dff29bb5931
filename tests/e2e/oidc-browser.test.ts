/**
 * "Sign in with Portcullis" in a real browser: Debian's Chromium (playwright-core) is the
 * person, openid-client (panva) is the other site's server. The person signs in (once with a
 * TOTP second step), sees and accepts the consent page (a server page under the nonce CSP),
 * lands on the site's redirect URI with a code, the site exchanges it and validates the ID
 * token, reads UserInfo, and finally signs the person out through RP-initiated logout.
 * Runs against a server of its own whose issuer is the address the browser uses (see
 * tests/support/portcullis-server.ts), once (in the PGlite pass).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, statSync, readdirSync } from "node:fs";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import * as oidc from "openid-client";
import { chromium, type Browser, type Page } from "playwright-core";
import { GOOD_PASSWORD, randomIp, uniqueEmail } from "../support/http";
import { freePort, runsOnce, startPortcullis, stopChild, waitHealthy, type StartedServer } from "../support/portcullis-server";
import { totpAt as totp } from "../support/totp";

const CHROMIUM = "/usr/bin/chromium";
let RP = "";
let REDIRECT_URI = "";
let POST_LOGOUT_URI = "";
/** The other site: a tiny HTTP server whose pages say where the browser landed (openid-client does the work). */
let site: Server | undefined;
const browserRequired = process.env.CI === "true" || process.env.PORTCULLIS_BROWSER_TESTS === "1";
const skip = !runsOnce || (!existsSync(CHROMIUM) && !browserRequired);

let server: StartedServer;
let browser: Browser;
let config: oidc.Configuration;

async function api(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; cookie: string }> {
  const send = () =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  // The second site's `next build` blocks this process for minutes (spawnSync): a keep-alive
  // socket the server closed meanwhile fails once with "other side closed"; a new one works.
  const res = await send().catch(send);
  return {
    status: res.status,
    body: await res.json(),
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0]!)
      .join("; "),
  };
}

beforeAll(async () => {
  if (skip) return;
  const port = await freePort();
  site = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Example site</title><p>back on the site</p>"),
  );
  await new Promise<void>((r) => site!.listen(port, "127.0.0.1", () => r()));
  RP = `http://127.0.0.1:${port}`;
  REDIRECT_URI = `${RP}/callback`;
  POST_LOGOUT_URI = `${RP}/signed-out`;
  server = await startPortcullis("oidc-browser");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const admin = await adminSession();
  const created = await api(
    "/api/admin/oauth/clients",
    { name: "Example site", redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI] },
    { cookie: admin },
  );
  expect(created.status).toBe(201);
  config = await oidc.discovery(new URL(server.url), created.body.client.id, undefined, oidc.ClientSecretBasic(created.body.clientSecret), {
    execute: [oidc.allowInsecureRequests], // the one relaxation: this local issuer is plain http
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
});

/** An administrator's aal2 session cookie (the admin role needs a second factor: docs/security/mfa-by-role.md). */
async function adminSession(): Promise<string> {
  const person = await account(true);
  await server.sql(
    "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.email = $1 AND r.name = 'admin'",
    [person.email],
  );
  const login = await api("/api/auth/login", { email: person.email, password: GOOD_PASSWORD });
  const second = await api("/api/auth/login/mfa", { challenge: login.body.challenge, code: totp(person.secret!, Date.now()) });
  expect(second.status).toBe(200);
  return second.cookie;
}

/** An account, optionally with TOTP enrolled (confirmed a minute in the past, so the current code is unused). */
async function account(withTotp: boolean): Promise<{ email: string; secret: string | null }> {
  const email = uniqueEmail("oidc-browser");
  expect((await api("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  if (!withTotp) return { email, secret: null };
  const past = Date.now() - 60_000;
  const login = await api("/api/auth/login", { email, password: GOOD_PASSWORD }, { "x-test-now": String(past) });
  await server.sql("UPDATE users SET email_verified_at = now() WHERE email = $1", [email]); // enrolment needs a verified address
  const setup = await api("/api/auth/mfa/totp/setup", undefined, { cookie: login.cookie, "x-test-now": String(past) });
  const confirm = await api(
    "/api/auth/mfa/totp/confirm",
    { code: totp(setup.body.secret, past) },
    { cookie: login.cookie, "x-test-now": String(past) },
  );
  expect(confirm.status).toBe(200);
  return { email, secret: setup.body.secret };
}

/**
 * Signs the person in on Portcullis's own /sign-in page (where the authorization endpoint sent
 * the browser), with the TOTP second step when the account has one; the page then follows its
 * returnTo back to the authorization endpoint.
 */
async function signInInBrowser(page: Page, person: { email: string; secret: string | null }): Promise<void> {
  await page.getByLabel("Email address").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(GOOD_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  if (person.secret) {
    const field = page.getByLabel("Authentication code");
    await field.waitFor();
    await field.fill(totp(person.secret, Date.now()));
    await page.getByRole("button", { name: "Verify" }).click();
  }
}

async function run(withTotp: boolean) {
  const person = await account(withTotp);
  const context = await browser.newContext({ extraHTTPHeaders: { "x-real-ip": randomIp() } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) errors.push(m.text());
  });

  const started = Date.now();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid email profile offline_access",
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...(withTotp ? { acr_values: "aal2" } : {}),
  });
  await page.goto(authorizationUrl.href);
  expect(new URL(page.url()).pathname).toBe("/sign-in");
  expect(new URL(page.url()).searchParams.get("returnTo")).toMatch(/^\/api\/oauth\/authorize\?/);
  await signInInBrowser(page, person);
  await page.getByRole("heading", { name: "Allow Example site to sign you in?" }).waitFor();
  expect(await page.getByText("See your email address").count()).toBe(1);
  await Promise.all([page.waitForURL(`${REDIRECT_URI}?**`), page.getByRole("button", { name: "Allow Example site" }).click()]);
  const callback = new URL(page.url());
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const elapsedMs = Date.now() - started;
  const claims = tokens.claims()!;
  expect(claims).toMatchObject({ email: person.email, acr: withTotp ? "aal2" : "aal1", amr: withTotp ? ["pwd", "otp"] : ["pwd"] });
  expect((await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)).email).toBe(person.email);
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  expect(refreshed.access_token).toBeTruthy();

  // The consent is listed on /account/security; removing it ends the site's refresh tokens.
  await page.goto(`${server.url}/account/security`);
  const sites = page.getByRole("list", { name: "Sites you signed in to" });
  await sites.getByText("Example site").waitFor();
  expect(await sites.getByText("Stay signed in when you are away").count()).toBe(1);
  await page.getByRole("button", { name: "Remove access for Example site" }).click();
  await page.getByText("Example site can no longer sign you in without asking again.").waitFor();
  await page.getByText("No other site can sign you in with this account.").waitFor();
  await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

  await page.goto(
    oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: "after" }).href,
  );
  expect(page.url()).toBe(`${POST_LOGOUT_URI}?state=after`);
  const cookies = await context.cookies(server.url);
  expect(cookies.filter((c) => c.name.includes("portcullis_session"))).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
  console.info(
    `[oidc-browser] full browser sign-in (authorize -> sign-in${withTotp ? " + TOTP" : ""} -> consent -> callback -> token) took ${elapsedMs} ms`,
  );
  return { elapsedMs };
}

describe.skipIf(skip)("Sign in with Portcullis in Chromium, openid-client as the site", () => {
  it("signs a person in (password), consents, lands back signed in, and signs out through RP-initiated logout", async () => {
    expect((await run(false)).elapsedMs).toBeLessThan(30_000);
  }, 90_000);

  it("steps up to aal2 with a TOTP second step when the site asks acr_values=aal2", async () => {
    expect((await run(true)).elapsedMs).toBeLessThan(30_000);
  }, 90_000);
});

// --- a second Next.js 16 site with Auth.js (next-auth v5), Portcullis as its OIDC provider -----

const SITE_DIR = join(process.cwd(), "tests", "second-site");
const NEXT_BIN = join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path)
    .filter((n) => n !== ".next" && n !== "node_modules")
    .reduce((max, n) => Math.max(max, newestMtime(join(path, n))), st.mtimeMs);
}

function buildSiteIfStale(): void {
  const stamp = join(SITE_DIR, ".next", "BUILD_ID");
  if (existsSync(stamp) && statSync(stamp).mtimeMs > newestMtime(SITE_DIR)) return;
  const result = spawnSync(process.execPath, [NEXT_BIN, "build", SITE_DIR], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_DIST_DIR: "" },
  });
  if (result.status !== 0) throw new Error("next build of tests/second-site failed");
}

describe.skipIf(skip)("a second Next.js site with Auth.js signs people in with Portcullis", () => {
  let siteUrl = "";
  let siteProcess: ChildProcess | undefined;

  beforeAll(async () => {
    buildSiteIfStale();
    const port = await freePort();
    // "localhost", not 127.0.0.1: Next.js's NextRequest reports any 127.x address as localhost, so
    // Auth.js's callback would send a redirect_uri that differs from the one it authorized with.
    siteUrl = `http://localhost:${port}`;
    const admin = await adminSession();
    const created = await api(
      "/api/admin/oauth/clients",
      {
        name: "Auth.js site",
        redirectUris: [`${siteUrl}/api/auth/callback/portcullis`],
        postLogoutRedirectUris: [`${siteUrl}/`],
      },
      { cookie: admin },
    );
    expect(created.status).toBe(201);
    siteProcess = spawn(process.execPath, [NEXT_BIN, "start", SITE_DIR, "-p", String(port), "-H", "127.0.0.1"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "production",
        AUTH_SECRET: randomIp() + Math.random().toString(36).repeat(4),
        AUTH_TRUST_HOST: "true",
        SITE_URL: siteUrl,
        PORTCULLIS_ISSUER: server.url,
        PORTCULLIS_CLIENT_ID: created.body.client.id,
        PORTCULLIS_CLIENT_SECRET: created.body.clientSecret,
      },
      stdio: "inherit",
    });
    await waitHealthy(siteUrl, siteProcess, "/");
  }, 600_000);

  afterAll(async () => {
    if (siteProcess) await stopChild(siteProcess);
  });

  it("a person clicks Sign in, signs in with TOTP on Portcullis, consents, lands back signed in, and signs out through RP-initiated logout", async () => {
    const person = await account(true);
    const context = await browser.newContext({ extraHTTPHeaders: { "x-real-ip": randomIp() } });
    const page = await context.newPage();
    await page.goto(`${siteUrl}/`);
    expect(await page.getByText("Not signed in.").count()).toBe(1);
    const started = Date.now();
    await Promise.all([page.waitForURL(`${server.url}/sign-in?**`), page.getByRole("button", { name: "Sign in with Portcullis" }).click()]);
    await signInInBrowser(page, person);
    await Promise.all([page.waitForURL(`${siteUrl}/`), page.getByRole("button", { name: "Allow Auth.js site" }).click()]);
    await page.getByText(`Signed in as ${person.email}`).waitFor();
    const elapsedMs = Date.now() - started;
    console.info(
      `[oidc-browser] Auth.js site: full browser sign-in (click -> sign-in + TOTP -> consent -> signed in on the site) took ${elapsedMs} ms`,
    );

    await Promise.all([page.waitForURL(`${siteUrl}/`), page.getByRole("button", { name: "Sign out" }).click()]);
    await page.getByText("Not signed in.").waitFor();
    expect((await context.cookies(server.url)).filter((c) => c.name.includes("portcullis_session"))).toEqual([]);
    const logouts = await server.sql(
      "SELECT details FROM audit_logs WHERE event_type = 'oauth.logout' AND details->>'browserSessionEnded' = 'true'",
    );
    expect(logouts.length).toBeGreaterThan(0);
    await context.close();
  }, 120_000);
});
