/**
 * The CAPTCHA widget on the real pages in Chromium (docs/security/captcha.md): a server of its
 * own with the CAPTCHA on, pointed at a local fake provider that serves both siteverify and a
 * widget script with the providers' explicit API (window.turnstile.render / reset / remove; its
 * "widget" is a button that issues a token when clicked). The script comes from another origin
 * and loads under the page's nonce CSP with no violation; sign-up and forgot password send the
 * token; sign-in shows the widget only once the API answers captcha_required, then signs in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { GOOD_PASSWORD, uniqueEmail } from "../support/http";
import { startPortcullis, type StartedServer } from "../support/portcullis-server";
import { WAIT_MS, expectClean, launchBrowser, openTab, seriousViolations, skipJourneys } from "./support/browser";

// The fake provider's widget: a button in the container; a click calls back with a fresh token.
const WIDGET_JS = `
window.turnstile = (function () {
  var widgets = {}, next = 0;
  return {
    render: function (container, options) {
      var id = "w" + (++next);
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "I am human";
      button.addEventListener("click", function () {
        button.textContent = "Verified";
        options.callback("pass-" + id + "-" + Date.now());
      });
      container.appendChild(button);
      widgets[id] = button;
      return id;
    },
    reset: function (id) { if (widgets[id]) widgets[id].textContent = "I am human"; },
    remove: function (id) { if (widgets[id]) widgets[id].remove(); delete widgets[id]; },
  };
})();`;

let verifier: Server;
let verifierUrl = "";
const tokens: string[] = [];
let server: StartedServer;
let browser: Browser;

beforeAll(async () => {
  if (skipJourneys) return;
  verifier = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/widget.js") {
      return void res.writeHead(200, { "content-type": "text/javascript" }).end(WIDGET_JS);
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const token = new URLSearchParams(Buffer.concat(chunks).toString("utf8")).get("response") ?? "";
      tokens.push(token);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ success: token.startsWith("pass-") }));
    });
  });
  await new Promise<void>((resolve) => verifier.listen(0, "127.0.0.1", () => resolve()));
  verifierUrl = `http://127.0.0.1:${(verifier.address() as { port: number }).port}`;
  server = await startPortcullis("captcha-browser", {
    CAPTCHA_SITEVERIFY_URL: `${verifierUrl}/siteverify`,
    CAPTCHA_SECRET: "browser-test-secret",
    CAPTCHA_SITE_KEY: "browser-test-site-key",
    CAPTCHA_SCRIPT_URL: `${verifierUrl}/widget.js`,
    CAPTCHA_SIGN_IN_AFTER_FAILURES: "2",
  });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  verifier?.closeAllConnections();
  await new Promise<void>((resolve) => (verifier ? verifier.close(() => resolve()) : resolve()));
});

async function statusText(page: Page, text: string): Promise<void> {
  await page.getByRole("status").filter({ hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

describe.skipIf(skipJourneys)("CAPTCHA widget on the pages (Chromium)", () => {
  it("signs up and asks for a reset link with the widget's token, with no CSP violation and no serious axe finding", async () => {
    const tab = await openTab(browser);
    const { page } = tab;
    const email = uniqueEmail("captcha-browser");
    await page.goto(`${server.url}/sign-up`);
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(GOOD_PASSWORD);
    // without solving it, the API's own answer is shown
    await page.getByRole("button", { name: "Create account" }).click();
    await statusText(page, "Complete the security check to continue.");
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "I am human" }).click();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor({ timeout: WAIT_MS });
    expect(tokens.filter((t) => t.startsWith("pass-"))).toHaveLength(1);

    await page.goto(`${server.url}/forgot-password`);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "I am human" }).click();
    await page.getByRole("button", { name: "Send reset link" }).click();
    await statusText(page, "If an account uses this address");
    expect(tokens.filter((t) => t.startsWith("pass-"))).toHaveLength(2);
    await expectClean(tab, [400]);
    await tab.context.close();
  });

  it("shows no widget on /sign-in until the API asks for it after failures, then signs in with it", async () => {
    const email = uniqueEmail("captcha-signin");
    const reg = await fetch(`${server.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify({ email, password: GOOD_PASSWORD, captchaToken: "pass-setup" }),
    });
    expect(reg.status).toBe(201);
    await server.sql("UPDATE users SET email_verified_at = now() WHERE email = $1", [email]);
    const tab = await openTab(browser);
    const { page } = tab;
    await page.goto(`${server.url}/sign-in`);
    for (let i = 0; i < 2; i++) {
      await page.getByLabel("Email address").fill(email);
      await page.getByLabel("Password", { exact: true }).fill("a wrong password for this account");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await statusText(page, "The email or password is incorrect.");
      expect(await page.getByRole("button", { name: "I am human" }).count()).toBe(0);
    }
    await page.getByLabel("Password", { exact: true }).fill(GOOD_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await statusText(page, "Complete the security check to continue.");
    await page.getByRole("button", { name: "I am human" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${server.url}/`, { timeout: WAIT_MS });
    await expectClean(tab, [400, 401]);
    await tab.context.close();
  });
});
