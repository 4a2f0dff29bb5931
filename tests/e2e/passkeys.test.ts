/**
 * Passkeys in real Chromium with its virtual authenticator (DevTools protocol WebAuthn.enable /
 * WebAuthn.addVirtualAuthenticator: ctap2, internal transport, resident keys, user
 * verification), on the real pages: add a passkey on /account/security, rename it, sign in with
 * the "Sign in with a passkey" button and through the email field's autofill (conditional UI),
 * re-authenticate with it ("Use a passkey instead"), remove it, and find that it no longer signs in;
 * and, in a second journey, answer the second step after a password with it ("Use a passkey").
 *
 * WebAuthn refuses IP-address origins, so this file starts its own server whose APP_URL (the
 * RP ID and origin) is http://localhost:<port> (a secure context), and the browser opens that.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, CDPSession, Page } from "playwright-core";
import { GOOD_PASSWORD, uniqueEmail } from "../support/http";
import { startPortcullis, type StartedServer } from "../support/portcullis-server";
import { join } from "node:path";
import { SCREENSHOT_DIR, WAIT_MS, expectClean, launchBrowser, openTab, scanAndShoot, skipJourneys, type Tab } from "./support/browser";

let server: StartedServer;
let browser: Browser;

beforeAll(async () => {
  if (skipJourneys) return;
  server = await startPortcullis("passkeys", {}, { appHost: "localhost" });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A platform authenticator that holds resident keys and verifies the user at once. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function verifiedAccount(): Promise<string> {
  const email = uniqueEmail("passkey-browser");
  const res = await fetch(`${server.url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.appUrl },
    body: JSON.stringify({ email, password: GOOD_PASSWORD }),
  });
  expect(res.status).toBe(201);
  await server.sql("UPDATE users SET email_verified_at = now() WHERE email = $1", [email]);
  return email;
}

async function sessionOf(page: Page): Promise<{ aal: number; amr: string[] } | null> {
  await page.waitForLoadState("load");
  return page.evaluate(async () => {
    const res = await fetch("/api/auth/session");
    return res.ok ? ((await res.json()) as { session: { aal: number; amr: string[] } }).session : null;
  });
}

async function statusText(page: Page, text: string): Promise<void> {
  await page.getByRole("status").filter({ hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

describe.skipIf(skipJourneys)("passkeys in Chromium's virtual authenticator", () => {
  let tab: Tab;

  it("adds a passkey on /account/security, renames it, signs in with the button and through autofill, re-authenticates with it, then removes it", async () => {
    tab = await openTab(browser);
    const { page } = tab;
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    const email = await verifiedAccount();

    await page.goto(`${server.appUrl}/sign-in`);
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(GOOD_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${server.appUrl}/`, { timeout: WAIT_MS, waitUntil: "commit" });

    // add (the sign-in just now is the re-authentication)
    await page.goto(`${server.appUrl}/account/security`);
    await page.getByLabel("Name for the new passkey").fill("Test laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await statusText(page, 'Passkey "Test laptop" added');
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    await page.getByRole("list", { name: "Passkeys" }).getByText("Test laptop").waitFor({ timeout: WAIT_MS });
    expect(await scanAndShoot(page, "passkeys-security-list")).toEqual([]);

    // rename
    await page.getByRole("button", { name: "Rename Test laptop" }).click();
    await page.getByLabel("New name").fill("Chromium key");
    await page.getByRole("button", { name: "Save name" }).click();
    await statusText(page, "Passkey renamed.");
    await page.getByRole("list", { name: "Passkeys" }).getByText("Chromium key").waitFor({ timeout: WAIT_MS });

    // sign in with the button. Chromium's virtual authenticator answers the page's conditional
    // (autofill) request as soon as /sign-in loads, so the page is loaded while the authenticator
    // is empty (the autofill request stays pending), then the passkey is put back and the
    // button's request (which aborts the pending one) is the one answered.
    const held = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    await cdp.send("WebAuthn.clearCredentials", { authenticatorId });
    await page.context().clearCookies();
    await page.goto(`${server.appUrl}/sign-in`);
    expect(await page.getByLabel("Email address").getAttribute("autocomplete")).toBe("username webauthn");
    await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor({ timeout: WAIT_MS });
    expect(await scanAndShoot(page, "passkeys-sign-in")).toEqual([]);
    for (const credential of held) await cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(`${server.appUrl}/`, { timeout: WAIT_MS, waitUntil: "commit" });
    expect(await sessionOf(page)).toMatchObject({ aal: 2, amr: ["hwk", "mfa"] });

    // sign in through autofill: the page's conditional request, answered with the passkey it holds
    await page.context().clearCookies();
    await page.goto(`${server.appUrl}/sign-in`);
    await page.waitForURL(`${server.appUrl}/`, { timeout: WAIT_MS, waitUntil: "commit" });
    expect(await sessionOf(page)).toMatchObject({ aal: 2, amr: ["hwk", "mfa"] });

    // remove, after re-authenticating with the passkey: the window has closed (aged here), so the
    // API asks for a re-authentication and the prompt offers the passkey
    await server.sql(
      "UPDATE sessions SET reauthenticated_at = now() - interval '1 hour' WHERE user_id = (SELECT id FROM users WHERE email = $1)",
      [email],
    );
    await page.goto(`${server.appUrl}/account/security`);
    await page.getByRole("button", { name: "Remove Chromium key" }).click();
    await page.getByRole("button", { name: "Use a passkey instead" }).click();
    await statusText(page, 'Passkey "Chromium key" removed');
    await page.getByText("No passkeys yet.").waitFor({ timeout: WAIT_MS });

    // the authenticator still holds the key (and offers it through autofill at once), but the server no longer knows it
    await page.context().clearCookies();
    await page.goto(`${server.appUrl}/sign-in`);
    await page.getByText("This passkey could not be verified").first().waitFor({ timeout: WAIT_MS });
    await page.screenshot({ path: join(SCREENSHOT_DIR, "passkeys-removed-refused.png") });
    expect(await sessionOf(page)).toBeNull();
    await expectClean(tab, [401, 403]); // the refused passkey, and the reauth_required that opened the prompt
  }, 240_000);

  it("answers the second step after a password with the passkey: aal2, amr pwd+hwk", async () => {
    const second = await openTab(browser);
    const { page } = second;
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    const email = await verifiedAccount();

    await page.goto(`${server.appUrl}/sign-in`);
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(GOOD_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${server.appUrl}/`, { timeout: WAIT_MS, waitUntil: "commit" });
    await page.goto(`${server.appUrl}/account/security`);
    await page.getByLabel("Name for the new passkey").fill("Second step key");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await statusText(page, 'Passkey "Second step key" added');

    // signed out, the password again: the authenticator is emptied while /sign-in loads, so the
    // page's autofill request stays pending (it would otherwise sign in with the passkey alone)
    const held = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    await cdp.send("WebAuthn.clearCredentials", { authenticatorId });
    await page.context().clearCookies();
    await page.goto(`${server.appUrl}/sign-in`);
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(GOOD_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Two-step verification" }).waitFor({ timeout: WAIT_MS });
    const usePasskey = page.getByRole("button", { name: "Use a passkey" });
    await usePasskey.waitFor({ timeout: WAIT_MS });
    expect(await page.getByLabel("Authentication code").count()).toBe(0); // the account has no TOTP
    expect(await scanAndShoot(page, "passkeys-second-step")).toEqual([]);
    expect(await sessionOf(page)).toBeNull();

    for (const credential of held) await cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
    await usePasskey.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${server.appUrl}/`, { timeout: WAIT_MS, waitUntil: "commit" });
    expect(await sessionOf(page)).toMatchObject({ aal: 2, amr: ["pwd", "hwk"] });
    await expectClean(second, [401]); // the session check before the second step: no session yet
  }, 240_000);
});
