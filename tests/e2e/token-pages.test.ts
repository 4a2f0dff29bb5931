/**
 * The token pages (/reset-password, /verify-email) in a real browser, under the per-request
 * Content-Security-Policy from proxy.ts: Debian's Chromium driven by playwright-core (never a
 * downloaded browser). Proves the pages hydrate with nothing but nonce-carrying scripts, take
 * the token from the URL fragment and drop it from the address bar, never send it in a URL or
 * a Referer, and complete the flows against the server (#57, #56, #59, #61).
 *
 * The test server is reached at baseUrl() (http://127.0.0.1:<port>), not at its APP_URL
 * (https://portcullis.test), so the browser's Origin on the pages' own POSTs is the base URL:
 * tests/setup/global.ts lists it in ALLOWED_ORIGINS, as a deployment lists an extra origin.
 * The browser sends x-real-ip on every request, as the reverse proxy in front of the app would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page, type Response } from "playwright-core";
import { TEST_APP_URL } from "../support/env";
import { Client, GOOD_PASSWORD, baseUrl, latestMail, randomIp, serverSql, tokenFromMail, uniqueEmail } from "../support/http";
import { settled } from "../support/polling";

const CHROMIUM = "/usr/bin/chromium";
const NEW_PASSWORD = "a brand new passphrase from the browser";
const WAIT_MS = 15_000;

let browser: Browser | undefined;

// CI installs Chromium and must run these (.ci/run sets CI=true). On a developer's machine
// without /usr/bin/chromium they are skipped, with a warning, so that `npm test` passes on a
// fresh clone; PORTCULLIS_BROWSER_TESTS=1 makes them required there too.
const browserRequired = process.env.CI === "true" || process.env.PORTCULLIS_BROWSER_TESTS === "1";
const skipBrowser = !existsSync(CHROMIUM) && !browserRequired;
if (skipBrowser) console.warn(`browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

beforeAll(async () => {
  if (skipBrowser) return;
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it (apt-get install -y chromium). They never download a browser.`,
    );
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

/** A page in a fresh browser context that records what the CSP blocked and every request it made. */
interface Tab {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console messages about the Content Security Policy (Chromium logs each violation). */
  readonly cspConsole: string[];
  /** securitypolicyviolation events seen by the document. */
  violations(): Promise<string[]>;
  /** Every request the page made: URL, headers (Referer included) and POST body. */
  requests(): Promise<{ url: string; headers: Record<string, string>; body: string | null }[]>;
  readonly errors: string[];
}

async function openTab(): Promise<Tab> {
  if (!browser) throw new Error("the browser did not start");
  const context = await browser.newContext({ extraHTTPHeaders: { "x-real-ip": randomIp() } });
  // Runs before any page script, outside the page's CSP (it is injected by the browser driver).
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const requests: Promise<{ url: string; headers: Record<string, string>; body: string | null }>[] = [];
  const tab: Tab = {
    page,
    context,
    cspConsole: [],
    errors: [],
    requests: () => Promise.all(requests),
    violations: () => page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []),
  };
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) tab.cspConsole.push(m.text());
  });
  page.on("pageerror", (e) => tab.errors.push(String(e)));
  page.on("request", (r) => {
    requests.push(
      r
        .allHeaders()
        .catch(() => r.headers())
        .then((headers) => ({ url: r.url(), headers, body: r.postData() })),
    );
  });
  return tab;
}

async function expectCleanTab(tab: Tab): Promise<void> {
  expect(tab.cspConsole).toEqual([]);
  expect(await tab.violations()).toEqual([]);
  expect(tab.errors).toEqual([]);
}

/** The link in the newest mail of a template, moved from APP_URL to where the test server listens. */
async function mailedLink(email: string, template: string, path: string): Promise<{ url: string; token: string }> {
  const mail = await latestMail(email, template);
  if (!mail) throw new Error(`no ${template} mail for ${email}`);
  const href = /https?:\/\/\S+/.exec(mail.text_body)?.[0];
  if (!href) throw new Error(`no link in the ${template} mail`);
  const link = new URL(href);
  expect(link.origin).toBe(TEST_APP_URL);
  expect(link.pathname).toBe(path);
  expect(link.search).toBe("");
  return { url: `${baseUrl()}${link.pathname}${link.hash}`, token: tokenFromMail(link.hash) };
}

/** Nothing the page requested carried the token in its URL or headers, and none sent a Referer. */
async function expectTokenOnlyInPostBodies(tab: Tab, token: string): Promise<void> {
  const requests = await tab.requests();
  expect(requests.length).toBeGreaterThan(0);
  for (const request of requests) {
    expect(request.url).not.toContain(token);
    expect(request.headers.referer).toBeUndefined();
    expect(JSON.stringify(request.headers)).not.toContain(token);
  }
}

/** Waits until the page's role="status" line says exactly `text`. */
async function expectStatus(page: Page, text: string): Promise<void> {
  const status = page.getByRole("status").filter({ hasText: text });
  await status.waitFor({ timeout: WAIT_MS });
  expect(await status.textContent()).toBe(text);
}

async function register(email: string): Promise<void> {
  const res = await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD });
  expect(res.status).toBe(201);
}

function nonceOf(policy: string | null): string {
  const nonce = /'nonce-([^']+)'/.exec(policy ?? "")?.[1];
  if (!nonce) throw new Error(`no nonce in the Content-Security-Policy: ${policy}`);
  return nonce;
}

/** The policy of a page response and the nonce of every <script> tag of the HTML it served. */
async function servedPolicy(
  response: Response | null,
): Promise<{ policy: string; nonce: string; scriptNonces: (string | null)[]; html: string }> {
  if (!response) throw new Error("no response for the page");
  expect(response.status()).toBe(200);
  const headers = await response.allHeaders();
  const policy = headers["content-security-policy"] ?? "";
  const html = await response.text();
  const scriptNonces = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => /\snonce="([^"]*)"/.exec(m[0])?.[1] ?? null);
  expect(headers["referrer-policy"]).toBe("no-referrer");
  return { policy, nonce: nonceOf(policy), scriptNonces, html };
}

describe.skipIf(skipBrowser)("browser: /reset-password", () => {
  it("completes a reset from the emailed link: the fragment token leaves the address bar and every URL and Referer, the new password signs in and the old one does not (#56, #57)", async () => {
    const email = uniqueEmail("e2e-reset");
    await register(email);
    expect((await settled("password.reset.requested", email, () => new Client().post("/api/auth/password/forgot", { email }))).status).toBe(
      202,
    );
    const { url, token } = await mailedLink(email, "password_reset", "/reset-password");

    const tab = await openTab();
    try {
      const { page } = tab;
      await page.goto(url);
      const password = page.getByLabel("New password");
      await password.waitFor({ timeout: WAIT_MS });
      expect(page.url()).toBe(`${baseUrl()}/reset-password`);
      expect(await page.evaluate(() => window.location.hash)).toBe("");

      // Two different entries are caught in the page, before anything is sent.
      await password.fill(NEW_PASSWORD);
      await page.getByLabel("Repeat it").fill(`${NEW_PASSWORD}!`);
      await page.getByRole("button", { name: "Set new password" }).click();
      await expectStatus(page, "The two passwords differ.");

      await page.getByLabel("Repeat it").fill(NEW_PASSWORD);
      const [reset] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${baseUrl()}/api/auth/password/reset`, { timeout: WAIT_MS }),
        page.getByRole("button", { name: "Set new password" }).click(),
      ]);
      expect(reset.status()).toBe(200);
      expect((await reset.request().allHeaders()).origin).toBe(baseUrl());
      await expectStatus(page, "Your password was changed. Sign in with the new password.");
      expect(await page.getByRole("link", { name: "Continue to sign in" }).count()).toBe(1);

      const resetPosts = (await tab.requests()).filter((r) => r.url.endsWith("/api/auth/password/reset"));
      expect(resetPosts).toHaveLength(1);
      expect(JSON.parse(resetPosts[0]!.body ?? "{}")).toEqual({ token, password: NEW_PASSWORD });
      await expectTokenOnlyInPostBodies(tab, token);
      expect(page.url()).toBe(`${baseUrl()}/reset-password`);
      await expectCleanTab(tab);
    } finally {
      await tab.context.close();
    }

    expect((await new Client().post("/api/auth/login", { email, password: NEW_PASSWORD })).status).toBe(200);
    const old = await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe("invalid_credentials");
  });
});

describe.skipIf(skipBrowser)("browser: /verify-email", () => {
  it("confirms the address from the registration link at once, and the same link opened again shows the invalid-or-expired state (#59)", async () => {
    const email = uniqueEmail("e2e-verify");
    await register(email);
    const { url, token } = await mailedLink(email, "welcome", "/verify-email");

    const first = await openTab();
    try {
      const { page } = first;
      await page.goto(url);
      await expectStatus(page, "Your email address is confirmed.");
      expect(page.url()).toBe(`${baseUrl()}/verify-email`);
      expect(await page.evaluate(() => window.location.hash)).toBe("");
      const posts = (await first.requests()).filter((r) => r.url.endsWith("/api/auth/email/verify"));
      expect(posts).toHaveLength(1);
      expect(JSON.parse(posts[0]!.body ?? "{}")).toEqual({ token });
      await expectTokenOnlyInPostBodies(first, token);
      await expectCleanTab(first);
    } finally {
      await first.context.close();
    }
    const [user] = await serverSql<{ email_verified_at: string | null }>(`SELECT email_verified_at FROM users WHERE email = $1`, [email]);
    expect(user!.email_verified_at).not.toBeNull();

    const again = await openTab();
    try {
      const { page } = again;
      await page.goto(url);
      await expectStatus(page, "This link or code is invalid or has expired.");
      expect(await page.getByRole("button", { name: "Send a new link" }).count()).toBe(1);
      expect(await page.evaluate(() => window.location.hash)).toBe("");
      await expectTokenOnlyInPostBodies(again, token);
      await expectCleanTab(again);
    } finally {
      await again.context.close();
    }
  });
});

describe.skipIf(skipBrowser)("browser: Content-Security-Policy of the token pages", () => {
  for (const { path, ready } of [
    { path: "/reset-password", ready: "Send reset link" },
    { path: "/verify-email", ready: "Send a new link" },
  ]) {
    it(`serves ${path} with a per-request nonce on every script and no-referrer, and hydrates with no CSP violation (#57, #25)`, async () => {
      const tab = await openTab();
      try {
        const { page } = tab;
        const served = await servedPolicy(await page.goto(`${baseUrl()}${path}`));
        const scriptSrc = served.policy
          .split(";")
          .map((d) => d.trim())
          .find((d) => d.startsWith("script-src "));
        expect(scriptSrc).toBe(`script-src 'self' 'nonce-${served.nonce}' 'strict-dynamic'`);
        expect(served.policy).not.toContain("unsafe-inline");
        expect(served.policy).not.toContain("unsafe-eval");
        expect(served.policy).toContain("frame-ancestors 'none'");
        expect(served.policy).toContain("object-src 'none'");
        expect(served.policy).toContain("base-uri 'none'");
        expect(Buffer.from(served.nonce, "base64")).toHaveLength(16);
        expect(served.scriptNonces.length).toBeGreaterThan(0);
        expect(served.scriptNonces).toEqual(served.scriptNonces.map(() => served.nonce));
        expect(served.html).toContain('<meta name="referrer" content="no-referrer"/>');

        // The server renders "Loading…"; the form appears only once the page's scripts ran.
        await page.getByRole("button", { name: ready }).waitFor({ timeout: WAIT_MS });
        await expectCleanTab(tab);

        // A fresh nonce per request.
        const second = await servedPolicy(await page.reload());
        expect(second.nonce).not.toBe(served.nonce);
        expect(second.scriptNonces).toEqual(second.scriptNonces.map(() => second.nonce));
        await page.getByRole("button", { name: ready }).waitFor({ timeout: WAIT_MS });
        await expectCleanTab(tab);
      } finally {
        await tab.context.close();
      }
    });
  }

  it("is enforced by the browser: scripts injected into the page without its nonce do not run and are reported, while the page still works (#57)", async () => {
    const tab = await openTab();
    try {
      const { page } = tab;
      // Stands in for injected markup (stored XSS): the served HTML gains an inline script and
      // one with a wrong nonce; the response headers, and so the policy, are the server's own.
      await page.route(`${baseUrl()}/reset-password`, async (route) => {
        const response = await route.fetch();
        const html = (await response.text()).replace(
          "</body>",
          `<script>window.__injected = true</script><script nonce="${Buffer.from("not the nonce").toString("base64")}">window.__injected = true</script></body>`,
        );
        await route.fulfill({ response, body: html });
      });
      await page.goto(`${baseUrl()}/reset-password`);
      await page.getByRole("button", { name: "Send reset link" }).waitFor({ timeout: WAIT_MS });
      expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
      expect(await tab.violations()).toEqual(["script-src-elem inline", "script-src-elem inline"]);
      await expect.poll(() => tab.cspConsole.length, { timeout: WAIT_MS }).toBe(2);
      expect(tab.errors).toEqual([]);
    } finally {
      await tab.context.close();
    }
  });
});
