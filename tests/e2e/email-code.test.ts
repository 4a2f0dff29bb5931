/**
 * "Email me a sign-in code" on /sign-in in real Chromium against the test server
 * (EMAIL_SIGN_IN_CODES=true): the code read from the outbox signs in; for an account with TOTP
 * the page continues to the existing second step, and a backup code completes it. The code step
 * is scanned by axe-core and photographed (.data/screenshots/sign-in-email-code-*).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { Client, GOOD_PASSWORD, baseUrl, latestMail, serverSql, signedInClient, uniqueEmail } from "../support/http";
import { eventually } from "../support/polling";
import { enrolTotp } from "../support/principals";
import { WAIT_MS, expectClean, launchBrowser, openTab, scanAndShoot, skipJourneys } from "./support/browser";

let browser: Browser;

beforeAll(async () => {
  if (!skipJourneys) browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function mailedCode(email: string): Promise<string> {
  const mail = await eventually(
    () => latestMail(email, "email_sign_in_code"),
    (m) => m !== undefined,
    `the sign-in code mail to ${email}`,
  );
  return /\b(\d{8})\b/.exec(mail!.text_body)![1]!;
}

/** /sign-in -> "Email me a sign-in code" -> the address -> the code from the mail. */
async function signInWithCode(page: Page, email: string, shoot = false): Promise<void> {
  await page.goto(`${baseUrl()}/sign-in`);
  await page.getByRole("button", { name: "Email me a sign-in code" }).click();
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a code" }).click();
  const field = page.getByLabel("Sign-in code");
  await field.waitFor({ timeout: WAIT_MS });
  expect(await field.getAttribute("autocomplete")).toBe("one-time-code");
  expect(await field.getAttribute("inputmode")).toBe("numeric");
  if (shoot) expect(await scanAndShoot(page, "sign-in-email-code")).toEqual([]);
  await field.fill(await mailedCode(email));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

describe.skipIf(skipJourneys)("email sign-in code in the browser", () => {
  it("signs in with the code from the mail; with TOTP on, continues to the second step and a backup code completes it", {
    timeout: 300_000,
  }, async () => {
    const plain = uniqueEmail("e2e-code");
    expect((await new Client().post("/api/auth/register", { email: plain, password: GOOD_PASSWORD })).status).toBe(201);
    await serverSql("UPDATE users SET email_verified_at = now() WHERE email = $1", [plain]);
    const tab = await openTab(browser);
    try {
      await signInWithCode(tab.page, plain, true);
      await tab.page.waitForURL(`${baseUrl()}/`, { timeout: WAIT_MS, waitUntil: "commit" });
      const cookies = await tab.context.cookies(baseUrl());
      expect(cookies.some((c) => c.name.endsWith("portcullis_session"))).toBe(true);
      await expectClean(tab);
    } finally {
      await tab.context.close();
    }

    const principal = await enrolTotp(await signedInClient({ email: uniqueEmail("e2e-code-totp") }));
    const second = await openTab(browser);
    try {
      const { page } = second;
      await signInWithCode(page, principal.email);
      await page.getByLabel("Authentication code").waitFor({ timeout: WAIT_MS });
      const before = await second.context.cookies(baseUrl());
      expect(before.some((c) => c.name.endsWith("portcullis_session"))).toBe(false);
      await page.getByRole("button", { name: "Use a backup code instead" }).click();
      await page.getByLabel("Backup code").fill(principal.backupCodes[0]!);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.waitForURL(`${baseUrl()}/`, { timeout: WAIT_MS, waitUntil: "commit" });
      const [row] = await serverSql<{ amr: string[] }>(
        "SELECT s.amr FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1 AND s.aal = 2 ORDER BY s.created_at DESC LIMIT 1",
        [principal.email],
      );
      expect(row!.amr).toEqual(["email", "backup_code"]);
      await expectClean(second);
    } finally {
      await second.context.close();
    }
  });
});
