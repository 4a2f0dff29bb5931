/**
 * Shared pieces of the page tests in real Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core, never a downloaded browser): tabs that record CSP violations, console
 * errors and page errors; an axe-core scan (its source evaluated through the DevTools
 * protocol, so the page's own CSP stays in force); screenshots at two sizes and both colour
 * schemes into .data/screenshots/ (ignored by git); TOTP codes computed from the manual key.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { TOTP_STEP_MS, totpAt } from "../../support/totp";
import { expect } from "vitest";
import { usingPglite } from "../../support/env";
import { randomIp } from "../../support/http";

export const CHROMIUM = "/usr/bin/chromium";
// Generous: the CI machine is shared, and a sign-in hashes a password.
export const WAIT_MS = 30_000;
export const SCREENSHOT_DIR = join(process.cwd(), ".data", "screenshots");

// CI installs Chromium and must run browser tests (.ci/run sets CI=true); elsewhere they are
// skipped with a warning when Chromium is absent. The journeys run once per CI run: in the
// PGlite pass, or wherever PORTCULLIS_BROWSER_JOURNEYS=1 asks for them.
const browserRequired = process.env.CI === "true" || process.env.PORTCULLIS_BROWSER_TESTS === "1";
export const skipBrowser = !existsSync(CHROMIUM) && !browserRequired;
export const skipJourneys = skipBrowser || !(usingPglite || process.env.PORTCULLIS_BROWSER_JOURNEYS === "1");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it (apt-get install -y chromium). They never download a browser.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface Tab {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console messages about the Content Security Policy. */
  readonly cspConsole: string[];
  /** Console errors other than the browser's note on an HTTP error status the test asked for. */
  readonly consoleErrors: string[];
  readonly errors: string[];
  violations(): Promise<string[]>;
}

export async function openTab(browser: Browser, context?: BrowserContext): Promise<Tab> {
  const ctx = context ?? (await browser.newContext({ extraHTTPHeaders: { "x-real-ip": randomIp() } }));
  if (!context) {
    await ctx.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
  }
  const page = await ctx.newPage();
  const tab: Tab = {
    page,
    context: ctx,
    cspConsole: [],
    consoleErrors: [],
    errors: [],
    violations: () => page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []),
  };
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) tab.cspConsole.push(m.text());
    else if (m.type() === "error") tab.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => tab.errors.push(String(e)));
  return tab;
}

/** No CSP violation, no page error, and no console error (expected HTTP refusals aside). */
export async function expectClean(tab: Tab, allowedStatuses: readonly number[] = []): Promise<void> {
  expect(tab.cspConsole).toEqual([]);
  expect(await tab.violations()).toEqual([]);
  expect(tab.errors).toEqual([]);
  const unexpected = tab.consoleErrors.filter((text) => !allowedStatuses.some((s) => text.includes(`status of ${s}`)));
  expect(unexpected).toEqual([]);
}

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

/** Runs axe-core on the page as it is now; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: unknown,
          ) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      resultTypes: ["violations"],
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 800 },
] as const;

/**
 * Scans the page with axe in light and dark at both sizes (colour contrast differs by
 * scheme) and writes the four screenshots. Returns every serious/critical violation found.
 */
export async function scanAndShoot(page: Page, name: string): Promise<(AxeViolation & { where: string })[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const found: (AxeViolation & { where: string })[] = [];
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${viewport.width}x${viewport.height}-${scheme}.png`), fullPage: true });
      for (const v of await seriousViolations(page)) found.push({ ...v, where: `${name} ${viewport.name} ${scheme}` });
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 800 });
  return found;
}

/** The TOTP code of `stepOffset` steps from now (30 s steps, SHA-1, 6 digits) for a base32 key. */
export function totpCode(base32: string, stepOffset = 0): string {
  return totpAt(base32.replace(/\s+/g, ""), Date.now() + stepOffset * TOTP_STEP_MS);
}

/** Waits until the wall clock enters a TOTP step after the current one. */
export async function nextTotpStep(): Promise<void> {
  const step = Math.floor(Date.now() / 30_000);
  while (Math.floor(Date.now() / 30_000) === step) await new Promise((r) => setTimeout(r, 250));
}
