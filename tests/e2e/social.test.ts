/**
 * Social sign-in in Chromium (issue 14): "Continue with Google" on /sign-in -> the provider's
 * login page (oidc-provider standing in for Google) -> back on the site, signed in, with a new
 * account; on /account/security the last way to sign in cannot be unlinked, GitHub (the small
 * GitHub-shaped server) is linked through its own login page, and then Google can go.
 * Runs against a server of its own with both providers configured, once (the PGlite pass).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { freePort, startPortcullis, type StartedServer } from "../support/portcullis-server";
import { startOidcProvider, startTestOAuthServer, type RunningProvider, type TestOAuthServer } from "../support/social-idps";
import { launchBrowser, openTab, skipJourneys, WAIT_MS } from "./support/browser";

const SECRET = "test-client-secret-0123456789";
let site: StartedServer;
let google: RunningProvider;
let github: TestOAuthServer;
let browser: Browser;

beforeAll(async () => {
  if (skipJourneys) return;
  const [googlePort, githubPort] = [await freePort(), await freePort()];
  site = await startPortcullis("social-browser", {
    GOOGLE_CLIENT_ID: "google-client",
    GOOGLE_CLIENT_SECRET: SECRET,
    GOOGLE_ISSUER: `http://127.0.0.1:${googlePort}`,
    GITHUB_CLIENT_ID: "github-client",
    GITHUB_CLIENT_SECRET: SECRET,
    GITHUB_URL: `http://127.0.0.1:${githubPort}`,
    GITHUB_API_URL: `http://127.0.0.1:${githubPort}/api`,
  });
  google = await startOidcProvider(
    [{ clientId: "google-client", clientSecret: SECRET, redirectUri: `${site.url}/api/auth/social/google/callback` }],
    [{ sub: "g-browser-1", email: "browser.person@gmail.com", email_verified: true, name: "Browser Person" }],
    googlePort,
  );
  github = await startTestOAuthServer(
    "github",
    { clientId: "github-client", clientSecret: SECRET, redirectUri: `${site.url}/api/auth/social/github/callback` },
    githubPort,
  );
  github.accounts.set("octobrowser", { sub: "4242", emails: [{ email: "octo@example.com", primary: true, verified: true }] });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([site?.stop(), google?.stop(), github?.stop()]);
});

describe.skipIf(skipJourneys)("social sign-in in the browser", () => {
  it("Continue with Google -> provider login -> signed in; link GitHub; the last-method guard; unlink Google", async () => {
    const tab = await openTab(browser);
    const { page } = tab;
    // console errors on the site's own pages (the stand-in providers' pages fetch fonts and icons that are not there)
    const siteErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && (m.location().url || page.url()).startsWith(site.url)) siteErrors.push(m.text());
    });
    await page.goto(`${site.url}/sign-in`);
    await page.getByRole("link", { name: "Continue with Google" }).click();

    // the provider's own login page (oidc-provider's development form)
    await page.waitForURL((u) => u.toString().startsWith(google.issuer), { timeout: WAIT_MS });
    await page.locator('input[name="login"]').fill("g-browser-1");
    await page.locator('input[name="password"]').fill("any");
    await page.locator('button[type="submit"]').click();

    // back on the site, signed in to a new account
    await page.waitForURL(`${site.url}/`, { timeout: WAIT_MS });
    await page.goto(`${site.url}/account/security`);
    const panel = page.getByRole("region", { name: "Linked sign-ins" });
    await expect.poll(() => panel.textContent(), { timeout: WAIT_MS }).toContain("browser.person@gmail.com");
    await expect.poll(() => panel.textContent()).toContain("This account has no password");

    // the only way to sign in cannot be unlinked
    await panel.getByRole("button", { name: "Unlink Google" }).click();
    await expect.poll(() => panel.getByRole("status").textContent(), { timeout: WAIT_MS }).toContain("This is your last way to sign in");

    // link GitHub through its login page
    await panel.getByRole("button", { name: "Link GitHub" }).click();
    await page.waitForURL((u) => u.toString().startsWith(`http://127.0.0.1:${new URL(github.url).port}`), { timeout: WAIT_MS });
    await page.getByLabel("Account").fill("octobrowser");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${site.url}/account/security?linked=github`, { timeout: WAIT_MS });
    const after = page.getByRole("region", { name: "Linked sign-ins" });
    await expect.poll(() => after.getByRole("status").textContent(), { timeout: WAIT_MS }).toContain("The sign-in is linked.");
    await expect.poll(() => after.getByRole("button", { name: "Unlink GitHub" }).count()).toBe(1);

    // now Google may go
    await after.getByRole("button", { name: "Unlink Google" }).click();
    await expect.poll(() => after.getByRole("status").textContent(), { timeout: WAIT_MS }).toContain("Google is no longer linked.");
    await expect.poll(() => after.getByRole("button", { name: "Link Google" }).count()).toBe(1);

    const [user] = await site.sql("SELECT u.id FROM users u WHERE u.email = 'browser.person@gmail.com'");
    const links = await site.sql("SELECT provider FROM oauth_accounts WHERE user_id = $1", [user.id]);
    expect(links).toEqual([{ provider: "github" }]);
    expect(tab.cspConsole).toEqual([]);
    expect(await tab.violations()).toEqual([]);
    expect(tab.errors).toEqual([]);
    // the one expected refusal: unlinking the last way to sign in
    expect(siteErrors.filter((t) => !t.includes("status of 409"))).toEqual([]);
  }, 180_000);
});
