/**
 * The pages people use, driven end to end in real Chromium against the real server: sign up
 * and verify from the outbox, sign in (second step, trusted device, replayed code), sessions
 * revoked from another browser, password and email change, forgot -> reset -> sign in, the
 * admin console disabling a user, open-redirect attempts on returnTo, a non-admin on /admin;
 * and every page scanned by axe-core (zero serious/critical violations), with no CSP
 * violation or console error, photographed at 390x844 and 1280x800 in light and dark.
 *
 * Runs once per CI run (the PGlite pass, or PORTCULLIS_BROWSER_JOURNEYS=1): the pages are the
 * same whatever the database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { TEST_APP_URL } from "../support/env";
import { Client, GOOD_PASSWORD, baseUrl, latestMail, serverSql, uniqueEmail } from "../support/http";
import { grantRole } from "../support/principals";
import {
  SCREENSHOT_DIR,
  WAIT_MS,
  expectClean,
  launchBrowser,
  nextTotpStep,
  openTab,
  scanAndShoot,
  skipJourneys,
  totpCode,
  type Tab,
} from "./support/browser";

let browser: Browser;

beforeAll(async () => {
  if (!skipJourneys) browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

const NEW_PASSWORD = "another long passphrase typed in a browser";

async function registerByApi(email: string, password = GOOD_PASSWORD): Promise<string> {
  const res = await new Client().post("/api/auth/register", { email, password });
  expect(res.status).toBe(201);
  const [row] = await serverSql<{ id: string }>("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL", [email]);
  return row!.id;
}

/** The link of the newest mail of a template, moved from APP_URL to the test server. */
async function mailedLink(email: string, template: string): Promise<string> {
  const mail = await latestMail(email, template);
  if (!mail) throw new Error(`no ${template} mail for ${email}`);
  const href = /https?:\/\/\S+/.exec(mail.text_body)?.[0];
  if (!href) throw new Error(`no link in the ${template} mail`);
  const link = new URL(href);
  expect(link.origin).toBe(TEST_APP_URL);
  return `${baseUrl()}${link.pathname}${link.hash}`;
}

async function statusText(page: Page, text: string): Promise<void> {
  await page.getByRole("status").filter({ hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

/** Fills the sign-in form; does not wait for where it leads. */
async function submitSignIn(page: Page, email: string, password: string, returnTo?: string): Promise<void> {
  await page.goto(`${baseUrl()}/sign-in${returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(returnTo)}`}`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function signIn(page: Page, email: string, password: string, expectPath = "/"): Promise<void> {
  await submitSignIn(page, email, password);
  await page.waitForURL(`${baseUrl()}${expectPath}`, { timeout: WAIT_MS, waitUntil: "commit" });
}

async function secondStep(page: Page, code: string, trust: boolean): Promise<void> {
  const field = page.getByLabel("Authentication code");
  await field.waitFor({ timeout: WAIT_MS });
  await field.fill(code);
  if (trust) await page.getByLabel(/Trust this device/).check();
  await page.getByRole("button", { name: "Verify" }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${baseUrl()}/`, { timeout: WAIT_MS, waitUntil: "commit" });
  await page.getByRole("link", { name: "Sign in", exact: true }).first().waitFor({ timeout: WAIT_MS });
}

/** Enrols TOTP from /account/security with the manual key; returns the key and the backup codes. */
async function enrolTotp(tab: Tab): Promise<{ key: string; backupCodes: string[] }> {
  const { page } = tab;
  await page.goto(`${baseUrl()}/account/security`);
  await page.getByRole("button", { name: "Set up two-step verification" }).click();
  const keyElement = page.getByTestId("manual-key");
  await keyElement.waitFor({ timeout: WAIT_MS });
  expect(await page.getByRole("img", { name: "QR code for your authenticator app" }).count()).toBe(1);
  const key = (await keyElement.textContent())!.trim();
  await page.getByLabel("Code from the app").fill(totpCode(key));
  await page.getByRole("button", { name: "Turn on" }).click();
  const list = page.getByRole("list", { name: "Backup codes" });
  await list.waitFor({ timeout: WAIT_MS });
  const backupCodes = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
  expect(backupCodes).toHaveLength(10);
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: WAIT_MS }),
    page.getByRole("link", { name: "Download codes" }).click(),
  ]);
  const path = await download.path();
  const { readFileSync } = await import("node:fs");
  const saved = readFileSync(path, "utf8");
  for (const code of backupCodes) expect(saved).toContain(code);
  await page.getByRole("button", { name: "I have saved them" }).click();
  await page.getByText("Signing in asks for a code").waitFor({ timeout: WAIT_MS });
  return { key, backupCodes };
}

describe.skipIf(skipJourneys)("browser journeys", () => {
  it("sign up -> verify from the outbox -> sign in -> enrol TOTP with backup codes -> sign in with a code and trust the device -> that device alone skips the code; a replayed code is refused", {
    timeout: 300_000,
  }, async () => {
    const email = uniqueEmail("e2e-journey");
    const a = await openTab(browser);
    const other = await openTab(browser);
    try {
      const { page } = a;
      await page.goto(`${baseUrl()}/sign-up`);
      expect(await page.getByText(/At least 15 characters/).count()).toBe(1);
      await page.getByLabel("Name (optional)").fill("Journey Person");
      await page.getByLabel("Email address").fill(email);
      await page.getByLabel("Password").fill(GOOD_PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: "Check your email" }).waitFor({ timeout: WAIT_MS });

      await page.goto(await mailedLink(email, "welcome"));
      await statusText(page, "Your email address is confirmed.");

      await signIn(page, email, GOOD_PASSWORD);
      await page.goto(`${baseUrl()}/account`);
      await page.getByText("Verified", { exact: true }).waitFor({ timeout: WAIT_MS });
      expect(await page.getByLabel("Name").inputValue()).toBe("Journey Person");

      const { key } = await enrolTotp(a);
      await signOut(page);

      // Another browser signs in with the next step's code (the enrolment spent this one).
      await nextTotpStep();
      const code = totpCode(key);
      await submitSignIn(other.page, email, GOOD_PASSWORD);
      await secondStep(other.page, code, false);
      await other.page.waitForURL(`${baseUrl()}/`, { timeout: WAIT_MS, waitUntil: "commit" });
      await signOut(other.page);

      // The same code again: refused, on the field and in the live region.
      await submitSignIn(other.page, email, GOOD_PASSWORD);
      await secondStep(other.page, code, false);
      await statusText(other.page, "This code was already used. Wait for the next one.");
      expect(await other.page.getByLabel("Authentication code").getAttribute("aria-invalid")).toBe("true");

      // Next step: sign in on the first browser and trust it.
      await nextTotpStep();
      await submitSignIn(page, email, GOOD_PASSWORD, "/account/security");
      await secondStep(page, totpCode(key), true);
      await page.waitForURL(`${baseUrl()}/account/security`, { timeout: WAIT_MS, waitUntil: "commit" });
      await page.getByRole("list", { name: "Trusted devices" }).getByText("This device").waitFor({ timeout: WAIT_MS });
      // Sign out with the button: the trusted-device cookie outlives the session.
      await signOut(page);

      // This browser: straight in. The other: still asked for a code.
      await signIn(page, email, GOOD_PASSWORD);
      await submitSignIn(other.page, email, GOOD_PASSWORD);
      await other.page.getByLabel("Authentication code").waitFor({ timeout: WAIT_MS });
      await expectClean(a);
    } finally {
      await a.context.close();
      await other.context.close();
    }
  });

  it("a session revoked from another browser is signed out at its next navigation", { timeout: 180_000 }, async () => {
    const email = uniqueEmail("e2e-revoke");
    await registerByApi(email);
    const first = await openTab(browser);
    const second = await openTab(browser);
    try {
      await signIn(first.page, email, GOOD_PASSWORD);
      await signIn(second.page, email, GOOD_PASSWORD);
      await second.page.goto(`${baseUrl()}/account`);
      await first.page.goto(`${baseUrl()}/account/security`);
      const list = first.page.getByRole("list", { name: "Sessions" });
      await list.getByText("This device").waitFor({ timeout: WAIT_MS });
      expect(await list.getByRole("listitem").count()).toBe(2);
      await list.getByRole("button", { name: /Sign out .*\(\d+\.\d+\.\d+\.\d+\)/ }).click();
      await statusText(first.page, "Signed out");
      await expect.poll(() => list.getByRole("listitem").count(), { timeout: WAIT_MS }).toBe(1);

      await second.page.getByRole("link", { name: "Activity" }).first().click();
      await second.page.waitForURL(`${baseUrl()}/sign-in?returnTo=%2Faccount%2Factivity`, { timeout: WAIT_MS, waitUntil: "commit" });
      await expectClean(first);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  it("changes the password and the email address from /account; the new password and address sign in", { timeout: 180_000 }, async () => {
    const email = uniqueEmail("e2e-change");
    const newEmail = uniqueEmail("e2e-changed");
    await registerByApi(email);
    const tab = await openTab(browser);
    try {
      const { page } = tab;
      await signIn(page, email, GOOD_PASSWORD);
      await page.goto(`${baseUrl()}/account`);

      await page.getByLabel("Current password").fill("not my password at all");
      await page.getByLabel("New password").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await statusText(page, "The email or password is incorrect.");
      expect(await page.getByLabel("Current password").getAttribute("aria-invalid")).toBe("true");

      await page.getByLabel("Current password").fill(GOOD_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await statusText(page, "Your password was changed.");

      await page.getByLabel("New email address").fill(newEmail);
      await page.getByRole("button", { name: "Change email" }).click();
      await statusText(page, "Confirm the change from the link sent to the new address.");
      await page.goto(await mailedLink(newEmail, "email_change_confirm"));
      await statusText(page, "Your account now uses this email address.");
      await page.goto(`${baseUrl()}/account`);
      await page.getByText(newEmail, { exact: true }).waitFor({ timeout: WAIT_MS });
      await signOut(page);
      await signIn(page, newEmail, NEW_PASSWORD);
      await expectClean(tab, [401]);
    } finally {
      await tab.context.close();
    }
  });

  it("forgot password -> reset from the emailed link (a newer link pasted into the open tab is used without a reload) -> sign in", {
    timeout: 180_000,
  }, async () => {
    const email = uniqueEmail("e2e-forgot");
    await registerByApi(email);
    const tab = await openTab(browser);
    try {
      const { page } = tab;
      await page.goto(`${baseUrl()}/sign-in`);
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Send reset link" }).click();
      await statusText(page, "If an account uses this address");
      const firstLink = await mailedLink(email, "password_reset");
      await page.goto(firstLink);
      await page.getByLabel("New password").waitFor({ timeout: WAIT_MS });
      await page.evaluate(() => {
        (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
      });

      // A newer link (the first one stops working) pasted into the same tab.
      // A minute later on the server's clock (the per-address mail interval has passed).
      expect((await new Client().post("/api/auth/password/forgot", { email }, { now: Date.now() + 61_000 })).status).toBe(202);
      const secondLink = await mailedLink(email, "password_reset");
      expect(secondLink).not.toBe(firstLink);
      await page.goto(secondLink);
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
      expect(await page.evaluate(() => window.location.hash)).toBe("");

      await page.getByLabel("New password").fill(NEW_PASSWORD);
      await page.getByLabel("Repeat it").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Set new password" }).click();
      await statusText(page, "Your password was changed. Sign in with the new password.");
      await page.getByRole("link", { name: "Continue to sign in" }).click();
      await page.waitForURL(`${baseUrl()}/sign-in`, { timeout: WAIT_MS, waitUntil: "commit" });
      await page.getByLabel("Email address").fill(email);
      await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL(`${baseUrl()}/`, { timeout: WAIT_MS, waitUntil: "commit" });
      await expectClean(tab);
    } finally {
      await tab.context.close();
    }
  });

  it("an admin is sent to enrol a second factor, then disables a user from the console (after re-authenticating inline with a code) and the user's open page loses access at its next navigation", {
    timeout: 180_000,
  }, async () => {
    const adminEmail = uniqueEmail("e2e-admin");
    const userEmail = uniqueEmail("e2e-target");
    const adminId = await registerByApi(adminEmail);
    await grantRole(adminId, "admin");
    await serverSql("UPDATE users SET email_verified_at = now() WHERE id = $1", [adminId]); // TOTP enrolment needs a verified address
    await registerByApi(userEmail);
    const adminTab = await openTab(browser);
    const userTab = await openTab(browser);
    try {
      await signIn(userTab.page, userEmail, GOOD_PASSWORD);
      await userTab.page.goto(`${baseUrl()}/account`);

      const { page } = adminTab;
      await signIn(page, adminEmail, GOOD_PASSWORD);
      // The admin role requires MFA: a password-only session is sent to enrol first.
      await page.goto(`${baseUrl()}/admin`);
      await page.getByRole("heading", { name: "Set up two-step verification first" }).waitFor({ timeout: WAIT_MS });
      const { backupCodes } = await enrolTotp(adminTab);
      // The sign-in's re-authentication window has passed: the console must ask again.
      await serverSql("UPDATE sessions SET reauthenticated_at = now() - interval '1 day' WHERE user_id = $1", [adminId]);
      await page.goto(`${baseUrl()}/admin`);
      await page.getByLabel("Email or name").fill(userEmail);
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: userEmail }).click();
      await page.getByRole("heading", { name: userEmail }).waitFor({ timeout: WAIT_MS });
      await page.getByLabel("Reason (optional)").fill("browser test");
      await page.getByRole("button", { name: "Disable account" }).click();
      await page.getByRole("heading", { name: "Confirm it is you" }).waitFor({ timeout: WAIT_MS });
      await page.getByLabel("Current password").fill(GOOD_PASSWORD);
      await page.getByLabel("Authentication code").fill(backupCodes[0]!);
      await page.getByRole("button", { name: "Confirm" }).click();
      await statusText(page, "The account is disabled and every session of it has ended.");

      await userTab.page.getByRole("link", { name: "Security" }).first().click();
      await userTab.page.waitForURL(`${baseUrl()}/sign-in?returnTo=%2Faccount%2Fsecurity`, { timeout: WAIT_MS, waitUntil: "commit" });
      await expectClean(adminTab, [403]);
    } finally {
      await adminTab.context.close();
      await userTab.context.close();
    }
  });
});

describe.skipIf(skipJourneys)("browser: refusals", () => {
  it("shows wrong credentials on the password field, then the lock with the time left", { timeout: 180_000 }, async () => {
    const email = uniqueEmail("e2e-lock");
    await registerByApi(email);
    const tab = await openTab(browser);
    try {
      const { page } = tab;
      await submitSignIn(page, email, "wrong password number zero");
      await statusText(page, "The email or password is incorrect.");
      const password = page.getByLabel("Password", { exact: true });
      expect(await password.getAttribute("aria-invalid")).toBe("true");
      expect(await password.getAttribute("aria-describedby")).toBe("password-error");
      let locked = false;
      for (let i = 1; i <= 12 && !locked; i++) {
        await password.fill(`wrong password number ${i}`);
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith("/api/auth/login"), { timeout: WAIT_MS }),
          page.getByRole("button", { name: "Sign in", exact: true }).click(),
        ]);
        locked = response.status() === 429;
      }
      expect(locked).toBe(true);
      await statusText(page, "Too many attempts.");
      expect(await page.getByRole("status").first().textContent()).toMatch(/Try again in \d+ (seconds|minutes)\./);
    } finally {
      await tab.context.close();
    }
  });

  it("follows returnTo only to a same-origin path: https://evil.example, //evil.example and /\\evil.example land on /", {
    timeout: 180_000,
  }, async () => {
    const email = uniqueEmail("e2e-return");
    await registerByApi(email);
    const tab = await openTab(browser);
    try {
      const { page } = tab;
      for (const target of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"]) {
        await submitSignIn(page, email, GOOD_PASSWORD, target);
        await page.waitForURL(`${baseUrl()}/`, { timeout: WAIT_MS, waitUntil: "commit" });
        await signOut(page);
      }
      // A signed-out visitor of an account page comes back to it after signing in.
      await page.goto(`${baseUrl()}/account/activity`);
      await page.waitForURL(`${baseUrl()}/sign-in?returnTo=%2Faccount%2Factivity`, { timeout: WAIT_MS, waitUntil: "commit" });
      await page.getByLabel("Email address").fill(email);
      await page.getByLabel("Password", { exact: true }).fill(GOOD_PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL(`${baseUrl()}/account/activity`, { timeout: WAIT_MS, waitUntil: "commit" });
      await page.locator('tr[data-event="login.success"]').first().waitFor({ timeout: WAIT_MS });
      await expectClean(tab);
    } finally {
      await tab.context.close();
    }
  });

  it("answers a signed-in non-admin on /admin with the 403 page, not the console", { timeout: 180_000 }, async () => {
    const email = uniqueEmail("e2e-nonadmin");
    await registerByApi(email);
    const tab = await openTab(browser);
    try {
      const { page } = tab;
      await signIn(page, email, GOOD_PASSWORD);
      for (const path of ["/admin", "/admin/audit", "/admin/alerts"]) {
        const response = await page.goto(`${baseUrl()}${path}`);
        expect(response!.status()).toBe(403);
        await page.getByRole("heading", { name: "You do not have access to this page" }).waitFor({ timeout: WAIT_MS });
        expect(await page.getByRole("heading", { name: "Administration" }).count()).toBe(0);
      }
      await expectClean(tab, [403]);
    } finally {
      await tab.context.close();
    }
  });
});

describe.skipIf(skipJourneys)("browser: every page", () => {
  it("has zero serious or critical axe-core violations in light and dark at 390x844 and 1280x800, no CSP violation and no console error; screenshots in .data/screenshots", {
    timeout: 300_000,
  }, async () => {
    const email = uniqueEmail("e2e-scan");
    const userId = await registerByApi(email);
    await serverSql("UPDATE users SET email_verified_at = now() WHERE id = $1", [userId]); // TOTP enrolment needs a verified address
    await grantRole(userId, "admin");
    const violations: { where: string; id: string; impact: string | null; help: string; nodes: number }[] = [];
    const scanned: string[] = [];

    async function visit(
      tab: Tab,
      name: string,
      path: string,
      ready: (page: Page) => Promise<unknown>,
      allowed: number[] = [],
    ): Promise<void> {
      await tab.page.goto(`${baseUrl()}${path}`);
      await ready(tab.page);
      await tab.page.waitForLoadState("networkidle");
      violations.push(...(await scanAndShoot(tab.page, name)));
      await expectClean(tab, allowed);
      scanned.push(name);
      writeFileSync(join(SCREENSHOT_DIR, "axe-results.json"), JSON.stringify({ scanned, seriousOrCritical: violations }, null, 2));
    }

    const out = await openTab(browser);
    try {
      const heading = (text: string) => (p: Page) => p.getByRole("heading", { name: text }).first().waitFor({ timeout: WAIT_MS });
      await visit(out, "home", "/", heading("Portcullis"));
      await visit(out, "sign-in", "/sign-in", (p) => p.getByRole("button", { name: "Sign in", exact: true }).waitFor({ timeout: WAIT_MS }));
      await visit(out, "sign-up", "/sign-up", (p) => p.getByRole("button", { name: "Create account" }).waitFor({ timeout: WAIT_MS }));
      await visit(out, "forgot-password", "/forgot-password", (p) =>
        p.getByRole("button", { name: "Send reset link" }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(out, "reset-password", "/reset-password", (p) =>
        p.getByRole("button", { name: "Send reset link" }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(out, "reset-password-token", "/reset-password#token=abcdefghijklmnopqrstuvwxyz012345", (p) =>
        p.getByRole("button", { name: "Set new password" }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(out, "verify-email", "/verify-email", (p) =>
        p.getByRole("button", { name: "Send a new link" }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(out, "not-found", "/no-such-page", heading("Not found"), [404]);

      // The second step of sign-in, with an error showing.
      const mfaEmail = uniqueEmail("e2e-scan-mfa");
      const mfaUserId = await registerByApi(mfaEmail);
      await serverSql("UPDATE users SET email_verified_at = now() WHERE id = $1", [mfaUserId]); // enrolment needs a verified address
      await signIn(out.page, mfaEmail, GOOD_PASSWORD);
      const { key } = await enrolTotp(out);
      await signOut(out.page);
      await submitSignIn(out.page, mfaEmail, GOOD_PASSWORD);
      await secondStep(out.page, totpCode(key) === "000000" ? "111111" : "000000", false);
      await statusText(out.page, "The code is incorrect.");
      violations.push(...(await scanAndShoot(out.page, "sign-in-second-step")));
      scanned.push("sign-in-second-step");
      // This tab also visited the 404 page above; the wrong code is a 401 from the API.
      await expectClean(out, [401, 404]);
    } finally {
      await out.context.close();
    }

    const tab = await openTab(browser);
    try {
      await signIn(tab.page, email, GOOD_PASSWORD);
      await visit(tab, "home-signed-in", "/", (p) => p.getByText("Signed in as").waitFor({ timeout: WAIT_MS }));
      await visit(tab, "account", "/account", (p) =>
        p.getByRole("heading", { name: "Email address", exact: true }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(tab, "account-security", "/account/security", (p) =>
        p.getByRole("list", { name: "Sessions" }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(tab, "account-activity", "/account/activity", (p) => p.locator("tbody tr").first().waitFor({ timeout: WAIT_MS }));
      await visit(tab, "admin-second-factor", "/admin", (p) =>
        p.getByRole("heading", { name: "Set up two-step verification first" }).waitFor({ timeout: WAIT_MS }),
      );
      await tab.page.goto(`${baseUrl()}/account/security`);
      await tab.page.getByRole("button", { name: "Set up two-step verification" }).click();
      await tab.page.getByTestId("manual-key").waitFor({ timeout: WAIT_MS });
      violations.push(...(await scanAndShoot(tab.page, "account-security-enrol")));
      scanned.push("account-security-enrol");
      await enrolTotp(tab);
      await visit(tab, "account-security-enrolled", "/account/security", async (p) => {
        await p.getByRole("list", { name: "Sessions" }).waitFor({ timeout: WAIT_MS });
        await p.locator("summary").first().click();
        await p.locator("[data-event]").first().waitFor({ timeout: WAIT_MS });
      });
      // other test files add accounts to the shared server meanwhile: search for this one
      await visit(tab, "admin-users", "/admin", async (p) => {
        await p.getByRole("table").first().waitFor({ timeout: WAIT_MS });
        await p.getByLabel("Email or name").fill(email);
        await p.getByRole("button", { name: "Search", exact: true }).click();
        await p.getByRole("link", { name: email }).waitFor({ timeout: WAIT_MS });
      });
      await visit(tab, "admin-user", `/admin/users/${userId}`, (p) =>
        p.getByRole("heading", { name: "Sessions" }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(tab, "admin-audit", "/admin/audit", (p) => p.locator("tbody tr").first().waitFor({ timeout: WAIT_MS }));
      await visit(tab, "admin-alerts", "/admin/alerts", (p) =>
        p.getByRole("heading", { name: /Refresh-token reuse/ }).waitFor({ timeout: WAIT_MS }),
      );
      await visit(tab, "admin-roles", "/admin/roles", (p) => p.getByRole("heading", { name: "New role" }).waitFor({ timeout: WAIT_MS }));
      await expectClean(tab);
    } finally {
      await tab.context.close();
    }

    const plain = await openTab(browser);
    try {
      const plainEmail = uniqueEmail("e2e-scan-plain");
      await registerByApi(plainEmail);
      await signIn(plain.page, plainEmail, GOOD_PASSWORD);
      await visit(
        plain,
        "forbidden",
        "/admin",
        (p) => p.getByRole("heading", { name: "You do not have access to this page" }).waitFor({ timeout: WAIT_MS }),
        [403],
      );
    } finally {
      await plain.context.close();
    }

    writeFileSync(join(SCREENSHOT_DIR, "axe-results.json"), JSON.stringify({ scanned, seriousOrCritical: violations }, null, 2));
    expect(violations).toEqual([]);
  });
});
