/**
 * The CAPTCHA hook's pure parts (issue 17): the siteverify call and how its answer is read, the
 * check's outcomes (off, required, pass, fail, unavailable fail-closed / fail-open), the
 * sign-in decision on the failure counters, the configuration rules and the page CSP builder.
 * siteverify is a local node:http server (like the breach API in breached.test.ts), one
 * behaviour per path: /pass, /fail, /hang, /500, /html, /shape.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import { parseSiteverifyAnswer, verifyCaptchaToken } from "../../lib/captcha/siteverify";
import { checkCaptcha, signInNeedsCaptcha } from "../../lib/captcha/captcha";
import { captchaCspSources, captchaWidget } from "../../lib/captcha/widget";
import { pageContentSecurityPolicy } from "../../lib/http/csp";
import { ConfigError, parseConfig } from "../../lib/config";
import { sql } from "../../lib/db";
import { subjectHash } from "../../lib/users/email";
import { ipKey } from "../../lib/rate-limit/rate-limit";
import { testDb } from "../support/db";

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly form: Record<string, string>;
}

const received: Received[] = [];
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      received.push({ path, contentType: req.headers["content-type"], form });
      const answer = (status: number, body: string) => res.writeHead(status, { "content-type": "application/json" }).end(body);
      if (path === "/pass") return answer(200, JSON.stringify({ success: true, hostname: "example.com", "error-codes": [] }));
      if (path === "/fail") return answer(200, JSON.stringify({ success: false, "error-codes": ["invalid-input-response"] }));
      if (path === "/500") return answer(500, JSON.stringify({ success: true }));
      if (path === "/html") return answer(200, "<html>maintenance</html>");
      if (path === "/shape") return answer(200, JSON.stringify({ success: "yes" }));
      // /hang: never answers
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await testDb(); // migrated once here, under the hook's longer timeout
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const settings = (path: string, timeoutMs = 1000) => ({ url: `${base}${path}`, secret: "the-secret", timeoutMs });

function captchaEnv(path: string, extra: Record<string, string> = {}) {
  return parseConfig({
    CAPTCHA_SITEVERIFY_URL: `${base}${path}`,
    CAPTCHA_SECRET: "the-secret",
    CAPTCHA_SITE_KEY: "the-site-key",
    CAPTCHA_SCRIPT_URL: "https://challenges.cloudflare.com/turnstile/v0/api.js",
    CAPTCHA_TIMEOUT_MS: "200",
    ...extra,
  });
}

describe("siteverify call", () => {
  it("POSTs secret, response and remoteip form-encoded, and reads success: true as pass", async () => {
    received.length = 0;
    expect(await verifyCaptchaToken("token-1", "192.0.2.7", settings("/pass"))).toBe("pass");
    expect(received).toEqual([
      {
        path: "/pass",
        contentType: "application/x-www-form-urlencoded",
        form: { secret: "the-secret", response: "token-1", remoteip: "192.0.2.7" },
      },
    ]);
  });

  it("leaves remoteip out when the client IP is unknown", async () => {
    received.length = 0;
    await verifyCaptchaToken("token-2", null, settings("/pass"));
    expect(received[0]?.form).toEqual({ secret: "the-secret", response: "token-2" });
  });

  it("reads success: false as fail", async () => {
    expect(await verifyCaptchaToken("token-3", null, settings("/fail"))).toBe("fail");
  });

  it.each([
    ["a 500", "/500"],
    ["a body that is not JSON", "/html"],
    ["JSON without a boolean success", "/shape"],
  ])("calls %s unavailable, never pass", async (_name, path) => {
    expect(await verifyCaptchaToken("token-4", null, settings(path))).toBe("unavailable");
  });

  it("gives up after the timeout when siteverify hangs, and calls it unavailable", async () => {
    const started = performance.now();
    expect(await verifyCaptchaToken("token-5", null, settings("/hang", 200))).toBe("unavailable");
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
  });

  it("calls an unreachable siteverify unavailable", async () => {
    expect(await verifyCaptchaToken("t", null, { url: "http://127.0.0.1:1/siteverify", secret: "s", timeoutMs: 500 })).toBe("unavailable");
  });

  it("fails an empty or over-long token without asking siteverify", async () => {
    received.length = 0;
    expect(await verifyCaptchaToken("", null, settings("/pass"))).toBe("fail");
    expect(await verifyCaptchaToken("x".repeat(5000), null, settings("/pass"))).toBe("fail");
    expect(received).toEqual([]);
  });

  it("parses the documented answer shapes", () => {
    expect(parseSiteverifyAnswer('{"success":true,"challenge_ts":"2026-12-01T00:00:00Z","hostname":"a"}')).toBe("pass");
    expect(parseSiteverifyAnswer('{"success":false,"error-codes":["timeout-or-duplicate"]}')).toBe("fail");
    expect(parseSiteverifyAnswer('{"success":false,"error-codes":"not a list"}')).toBe("unavailable");
    expect(parseSiteverifyAnswer("null")).toBe("unavailable");
    expect(parseSiteverifyAnswer("")).toBe("unavailable");
  });
});

describe("checkCaptcha", () => {
  const check = (flow: "sign_up" | "sign_in" | "password_forgot", token: string | undefined) => ({
    flow,
    token,
    email: `someone-${randomBytes(4).toString("hex")}@example.com`,
    ip: "192.0.2.20",
    now: new Date(),
  });

  it("passes everything without calling siteverify while the CAPTCHA is off", async () => {
    received.length = 0;
    const cfg = parseConfig({});
    expect(await checkCaptcha(await testDb(), check("sign_up", undefined), cfg)).toEqual({ ok: true, value: undefined });
    expect(received).toEqual([]);
  });

  it("requires a token on sign-up and forgot password, and refuses a failed one", async () => {
    const db = await testDb();
    expect(await checkCaptcha(db, check("sign_up", undefined), captchaEnv("/pass"))).toEqual({ ok: false, error: "captcha_required" });
    expect(await checkCaptcha(db, check("password_forgot", undefined), captchaEnv("/pass"))).toEqual({
      ok: false,
      error: "captcha_required",
    });
    expect(await checkCaptcha(db, check("sign_up", "t"), captchaEnv("/pass"))).toEqual({ ok: true, value: undefined });
    expect(await checkCaptcha(db, check("password_forgot", "t"), captchaEnv("/fail"))).toEqual({ ok: false, error: "captcha_failed" });
  });

  function loggedOutcomes(warn: { mock: { calls: unknown[][] } }): unknown[] {
    return warn.mock.calls
      .map(([line]) => JSON.parse(String(line)))
      .filter((l) => l.event === "captcha.unavailable")
      .map((l) => l.outcome);
  }

  it("fails closed by default when siteverify hangs: captcha_unavailable with a Retry-After, logged as refused", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const result = await checkCaptcha(await testDb(), check("sign_up", "t"), captchaEnv("/hang"));
      expect(result).toEqual({ ok: false, error: "captcha_unavailable", retryAfterSeconds: 10 });
      expect(loggedOutcomes(warn)).toEqual(["refused_fail_closed"]);
    } finally {
      warn.mockRestore();
    }
  });

  it("logs each request let through by fail-open as such", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const cfg = captchaEnv("/500", { CAPTCHA_FAIL_OPEN: "true" });
      expect(await checkCaptcha(await testDb(), { ...check("password_forgot", "t"), requestId: "req-1" }, cfg)).toEqual({
        ok: true,
        value: undefined,
      });
      const line = JSON.parse(String(warn.mock.calls[0]?.[0]));
      expect(line).toEqual({
        level: "warn",
        event: "captcha.unavailable",
        flow: "password_forgot",
        outcome: "allowed_fail_open",
        requestId: "req-1",
      });
    } finally {
      warn.mockRestore();
    }
  });

  it("fails open with CAPTCHA_FAIL_OPEN=true, but still refuses a token siteverify rejects", async () => {
    const db = await testDb();
    const open = (path: string) => captchaEnv(path, { CAPTCHA_FAIL_OPEN: "true" });
    expect(await checkCaptcha(db, check("sign_up", "t"), open("/hang"))).toEqual({ ok: true, value: undefined });
    expect(await checkCaptcha(db, check("sign_up", "t"), open("/500"))).toEqual({ ok: true, value: undefined });
    expect(await checkCaptcha(db, check("sign_up", "t"), open("/fail"))).toEqual({ ok: false, error: "captcha_failed" });
    expect(await checkCaptcha(db, check("sign_up", undefined), open("/hang"))).toEqual({ ok: false, error: "captcha_required" });
  });
});

describe("sign-in asks after CAPTCHA_SIGN_IN_AFTER_FAILURES failures of the address or the IP", () => {
  const cfg = () => captchaEnv("/pass", { CAPTCHA_SIGN_IN_AFTER_FAILURES: "3" });
  const now = new Date();
  const fresh = () => ({
    email: `nobody-${randomBytes(4).toString("hex")}@example.com`,
    ip: `198.51.100.${1 + (randomBytes(1)[0]! % 250)}`,
  });

  async function addressFailures(email: string, n: number) {
    const db = await testDb();
    await db.query(sql`
      INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, last_failure_at)
      VALUES (${subjectHash(email)}, ${n}, ${n}, 0, ${now})
      ON CONFLICT (subject_hash) DO UPDATE SET total_failures = ${n}`);
  }

  async function ipFailures(ip: string, n: number) {
    const db = await testDb();
    await db.query(sql`
      INSERT INTO rate_limits (key, count, window_start, expires_at)
      VALUES (${ipKey("login-failures", ip)}, ${n}, ${now}, ${new Date(now.getTime() + 600_000)})
      ON CONFLICT (key) DO UPDATE SET count = ${n}`);
  }

  it("does not ask below the threshold, for an address with no row at all or two failures", async () => {
    const db = await testDb();
    const { email, ip } = fresh();
    expect(await signInNeedsCaptcha(db, email, ip, now, cfg())).toBe(false);
    await addressFailures(email, 2);
    await ipFailures(ip, 2);
    expect(await signInNeedsCaptcha(db, email, ip, now, cfg())).toBe(false);
    expect(await checkCaptcha(db, { flow: "sign_in", token: undefined, email, ip, now }, cfg())).toEqual({ ok: true, value: undefined });
  });

  it("asks once the address has three failures since its last success, from any IP", async () => {
    const db = await testDb();
    const { email, ip } = fresh();
    await addressFailures(email, 3);
    expect(await signInNeedsCaptcha(db, email, ip, now, cfg())).toBe(true);
    expect(await checkCaptcha(db, { flow: "sign_in", token: undefined, email, ip, now }, cfg())).toEqual({
      ok: false,
      error: "captcha_required",
    });
  });

  it("asks once the IP has three failures in its window, for any address, and not after the window", async () => {
    const db = await testDb();
    const { email, ip } = fresh();
    await ipFailures(ip, 3);
    expect(await signInNeedsCaptcha(db, email, ip, now, cfg())).toBe(true);
    expect(await signInNeedsCaptcha(db, email, ip, new Date(now.getTime() + 601_000), cfg())).toBe(false);
  });

  it("asks every sign-in with CAPTCHA_SIGN_IN_AFTER_FAILURES=0", async () => {
    const { email, ip } = fresh();
    expect(await signInNeedsCaptcha(await testDb(), email, ip, now, captchaEnv("/pass", { CAPTCHA_SIGN_IN_AFTER_FAILURES: "0" }))).toBe(
      true,
    );
  });
});

describe("CAPTCHA configuration", () => {
  const ON = {
    CAPTCHA_SITEVERIFY_URL: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
    CAPTCHA_SECRET: "s",
    CAPTCHA_SITE_KEY: "k",
    CAPTCHA_SCRIPT_URL: "https://challenges.cloudflare.com/turnstile/v0/api.js",
  };

  function failure(raw: Record<string, string>): string {
    try {
      parseConfig(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error("parseConfig accepted the environment");
  }

  it("is off by default, fail-closed, 3 s, after 3 failures", () => {
    const cfg = parseConfig({});
    expect(captchaWidget(cfg)).toBeNull();
    expect([cfg.CAPTCHA_FAIL_OPEN, cfg.CAPTCHA_TIMEOUT_MS, cfg.CAPTCHA_SIGN_IN_AFTER_FAILURES]).toEqual([false, 3000, 3]);
  });

  it.each(["CAPTCHA_SECRET", "CAPTCHA_SITE_KEY", "CAPTCHA_SCRIPT_URL"])("refuses CAPTCHA_SITEVERIFY_URL without %s, naming it", (name) => {
    const env: Record<string, string> = { ...ON };
    delete env[name];
    expect(failure(env)).toContain(name);
  });

  it("refuses a secret without CAPTCHA_SITEVERIFY_URL (a half-configured CAPTCHA would silently be off)", () => {
    expect(failure({ CAPTCHA_SECRET: "s" })).toContain("CAPTCHA_SITEVERIFY_URL");
  });

  it("refuses http URLs in production except on localhost", () => {
    const production = {
      NODE_ENV: "production",
      POSTGRES_URL: "postgres://app:secret@db.internal.example:5432/portcullis",
      CRON_SECRET: "a-long-enough-cron-secret-value-0123",
      TOTP_ENCRYPTION_KEYS: `k2:${Buffer.alloc(32, 7).toString("base64")}`,
      JWT_SIGNING_KEYS: "[]",
      APP_URL: "https://auth.example.com",
      CLIENT_IP_HEADER: "x-real-ip",
      MAIL_TRANSPORT: "outbox",
      ...ON,
    };
    expect(failure({ ...production, CAPTCHA_SITEVERIFY_URL: "http://verify.example.com/siteverify" })).toContain("CAPTCHA_SITEVERIFY_URL");
    expect(failure({ ...production, CAPTCHA_SCRIPT_URL: "http://cdn.example.com/api.js" })).toContain("CAPTCHA_SCRIPT_URL");
    expect(failure({ ...production, CAPTCHA_CSP_SOURCES: "http://cdn.example.com" })).toContain("CAPTCHA_CSP_SOURCES");
    const local = parseConfig({ ...production, CAPTCHA_SITEVERIFY_URL: "http://localhost:8080/siteverify" });
    expect(local.CAPTCHA_SITEVERIFY_URL).toBe("http://localhost:8080/siteverify");
  });

  it("refuses a CSP source that is not a plain origin (it is pasted into the page policy)", () => {
    expect(failure({ ...ON, CAPTCHA_CSP_SOURCES: "https://a.example; script-src *" })).toContain("CAPTCHA_CSP_SOURCES");
    expect(failure({ ...ON, CAPTCHA_CSP_SOURCES: "'unsafe-inline'" })).toContain("CAPTCHA_CSP_SOURCES");
  });

  it("allows the script's origin by default, or the configured sources (hCaptcha)", () => {
    expect(captchaCspSources(parseConfig(ON))).toEqual(["https://challenges.cloudflare.com"]);
    const hcaptcha = parseConfig({ ...ON, CAPTCHA_CSP_SOURCES: "https://hcaptcha.com,https://*.hcaptcha.com" });
    expect(captchaCspSources(hcaptcha)).toEqual(["https://hcaptcha.com", "https://*.hcaptcha.com"]);
    expect(captchaCspSources(parseConfig({}))).toEqual([]);
  });
});

describe("page Content-Security-Policy", () => {
  const directives = (policy: string) => new Map(policy.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)] as const));

  it("names no third-party origin, and has no frame-src or connect-src of its own, while the CAPTCHA is off", () => {
    const policy = pageContentSecurityPolicy("n0nce", captchaCspSources(parseConfig({})));
    expect(policy).not.toContain("https://");
    const d = directives(policy);
    expect(d.get("script-src")).toEqual(["'self'", "'nonce-n0nce'", "'strict-dynamic'"]);
    expect(d.has("frame-src")).toBe(false);
    expect(d.has("connect-src")).toBe(false);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("adds the widget's origin to script-src, frame-src and connect-src only, while the CAPTCHA is on", () => {
    const policy = pageContentSecurityPolicy("n0nce", ["https://challenges.cloudflare.com"]);
    const d = directives(policy);
    expect(d.get("script-src")).toEqual(["'self'", "'nonce-n0nce'", "'strict-dynamic'", "https://challenges.cloudflare.com"]);
    expect(d.get("frame-src")).toEqual(["'self'", "https://challenges.cloudflare.com"]);
    expect(d.get("connect-src")).toEqual(["'self'", "https://challenges.cloudflare.com"]);
    expect(d.get("default-src")).toEqual(["'self'"]);
    expect(d.get("style-src")).toEqual(["'self'"]);
  });
});
