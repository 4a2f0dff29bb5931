/**
 * The CAPTCHA hook over HTTP (issue 17, docs/security/captcha.md). The shared test server runs
 * with the CAPTCHA off; these tests start two servers of their own (startPortcullis) pointed at
 * a local fake siteverify (node:http) that answers by token: "pass-*" success, "fail-*" failure,
 * "hang-*" never. One server fails closed with a 500 ms timeout and asks sign-in for the
 * challenge after 3 failures; the other fails open. It also serves the widget script, so the
 * pages' CSP and script tag can be checked against a real origin.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { startPortcullis, type StartedServer } from "../support/portcullis-server";
import { ownDatabase, type OwnDatabase } from "../support/own-database";
import { Client, GOOD_PASSWORD, randomIp, uniqueEmail } from "../support/http";
import { addressHash, eventually } from "../support/polling";

const SECRET = "captcha-test-secret";
const TIMEOUT_MS = 500;

interface Verification {
  readonly secret: string | null;
  readonly response: string | null;
  readonly remoteip: string | null;
}

describe("CAPTCHA on sign-up, sign-in after failures and forgot password (issue 17)", { timeout: 240_000 }, () => {
  const verifications: Verification[] = [];
  let verifier: Server;
  let verifierUrl = "";
  let databases: OwnDatabase[] = [];
  let closed: StartedServer;
  let open: StartedServer;

  beforeAll(async () => {
    verifier = createServer((req, res) => {
      if (req.method === "GET" && req.url === "/widget.js") {
        return void res.writeHead(200, { "content-type": "text/javascript" }).end("window.turnstile = window.turnstile || {};");
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const token = form.get("response") ?? "";
        verifications.push({ secret: form.get("secret"), response: form.get("response"), remoteip: form.get("remoteip") });
        if (token.startsWith("hang-")) return; // never answers
        const success = token.startsWith("pass-") && form.get("secret") === SECRET;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ success, "error-codes": success ? [] : ["x"] }));
      });
    });
    await new Promise<void>((resolve) => verifier.listen(0, "127.0.0.1", () => resolve()));
    verifierUrl = `http://127.0.0.1:${(verifier.address() as { port: number }).port}`;
    databases = await Promise.all([ownDatabase("captcha_closed"), ownDatabase("captcha_open")]);
    const env = {
      CAPTCHA_SITEVERIFY_URL: `${verifierUrl}/siteverify`,
      CAPTCHA_SECRET: SECRET,
      CAPTCHA_SITE_KEY: "test-site-key",
      CAPTCHA_SCRIPT_URL: `${verifierUrl}/widget.js`,
      CAPTCHA_TIMEOUT_MS: String(TIMEOUT_MS),
      CAPTCHA_SIGN_IN_AFTER_FAILURES: "3",
    };
    [closed, open] = await Promise.all([
      startPortcullis("captcha-closed", { ...databases[0]!.env, ...env }),
      startPortcullis("captcha-open", { ...databases[1]!.env, ...env, CAPTCHA_FAIL_OPEN: "true" }),
    ]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([closed?.stop(), open?.stop()]);
    verifier?.closeAllConnections();
    await new Promise<void>((resolve) => verifier.close(() => resolve()));
    await Promise.all(databases.map((d) => d.drop()));
  });

  async function post(server: StartedServer, path: string, json: unknown, ip = randomIp()) {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { origin: server.url, "x-real-ip": ip, "content-type": "application/json" },
      body: JSON.stringify(json),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  }

  const code = (res: { body: { error?: { code?: string } } | null }) => res.body?.error?.code;

  async function userCount(server: StartedServer, email: string): Promise<number> {
    const [row] = await server.sql<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE email = $1", [email]);
    return row!.n;
  }

  async function registered(server: StartedServer): Promise<string> {
    const email = uniqueEmail("captcha");
    const res = await post(server, "/api/auth/register", { email, password: GOOD_PASSWORD, captchaToken: "pass-register" });
    expect(res.status).toBe(201);
    return email;
  }

  describe("POST /api/auth/register", () => {
    it("refuses a sign-up without a token with 400 captcha_required, before any password hash, creating nothing", async () => {
      const email = uniqueEmail("nocaptcha");
      const res = await post(closed, "/api/auth/register", { email, password: GOOD_PASSWORD });
      expect([res.status, code(res)]).toEqual([400, "captcha_required"]);
      expect(res.headers.get("x-test-password-hashes")).toBe("0");
      expect(await userCount(closed, email)).toBe(0);
    });

    it("creates the account (201) with a passing token; siteverify received secret, response and remoteip", async () => {
      const email = uniqueEmail("pass");
      const ip = randomIp();
      const res = await post(closed, "/api/auth/register", { email, password: GOOD_PASSWORD, captchaToken: "pass-abc" }, ip);
      expect(res.status).toBe(201);
      expect(await userCount(closed, email)).toBe(1);
      expect(verifications.filter((v) => v.response === "pass-abc")).toEqual([{ secret: SECRET, response: "pass-abc", remoteip: ip }]);
    });

    it("refuses a token siteverify rejects with 403 captcha_failed, creating nothing", async () => {
      const email = uniqueEmail("fail");
      const res = await post(closed, "/api/auth/register", { email, password: GOOD_PASSWORD, captchaToken: "fail-abc" });
      expect([res.status, code(res)]).toEqual([403, "captcha_failed"]);
      expect(res.headers.get("x-test-password-hashes")).toBe("0");
      expect(await userCount(closed, email)).toBe(0);
    });

    it("fails closed: a hanging siteverify gives 503 captcha_unavailable with Retry-After within the timeout", async () => {
      const email = uniqueEmail("hang");
      const started = performance.now();
      const res = await post(closed, "/api/auth/register", { email, password: GOOD_PASSWORD, captchaToken: "hang-closed" });
      const elapsed = performance.now() - started;
      expect([res.status, code(res)]).toEqual([503, "captcha_unavailable"]);
      expect(res.headers.get("retry-after")).toBe("10");
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 2500);
      expect(await userCount(closed, email)).toBe(0);
    });

    it("fails open with CAPTCHA_FAIL_OPEN=true: a hanging siteverify lets the sign-up through (201)", async () => {
      const email = uniqueEmail("hangopen");
      const res = await post(open, "/api/auth/register", { email, password: GOOD_PASSWORD, captchaToken: "hang-open" });
      expect(res.status).toBe(201);
      expect(await userCount(open, email)).toBe(1);
      // fail-open is no bypass for a token the provider does answer about
      const rejected = await post(open, "/api/auth/register", { email: uniqueEmail(), password: GOOD_PASSWORD, captchaToken: "fail-x" });
      expect([rejected.status, code(rejected)]).toEqual([403, "captcha_failed"]);
    });

    it("refuses an over-long token as an invalid request", async () => {
      const res = await post(closed, "/api/auth/register", {
        email: uniqueEmail(),
        password: GOOD_PASSWORD,
        captchaToken: "p".repeat(5000),
      });
      expect([res.status, code(res)]).toEqual([400, "invalid_request"]);
    });
  });

  describe("POST /api/auth/login", () => {
    const wrong = "not the password at all, wrong";

    it("asks only after 3 failures of the address (from any IPs), and then signs in with a passing token", async () => {
      const email = await registered(closed);
      for (let i = 0; i < 3; i++) {
        const res = await post(closed, "/api/auth/login", { email, password: wrong });
        expect([res.status, code(res)]).toEqual([401, "invalid_credentials"]);
      }
      const asked = await post(closed, "/api/auth/login", { email, password: GOOD_PASSWORD });
      expect([asked.status, code(asked)]).toEqual([400, "captcha_required"]);
      expect(asked.headers.get("x-test-password-hashes")).toBe("0");
      const failed = await post(closed, "/api/auth/login", { email, password: GOOD_PASSWORD, captchaToken: "fail-login" });
      expect([failed.status, code(failed)]).toEqual([403, "captcha_failed"]);
      const ok = await post(closed, "/api/auth/login", { email, password: GOOD_PASSWORD, captchaToken: "pass-login" });
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe("signed_in");
      // the success cleared the address's failures: no challenge on the next sign-in
      const again = await post(closed, "/api/auth/login", { email, password: GOOD_PASSWORD });
      expect(again.status).toBe(200);
    });

    it("asks for an unknown address exactly as for a known one (no enumeration)", async () => {
      const known = await registered(closed);
      const unknown = uniqueEmail("nobody");
      const answers = [];
      for (const email of [known, unknown]) {
        for (let i = 0; i < 3; i++) expect((await post(closed, "/api/auth/login", { email, password: wrong })).status).toBe(401);
        const res = await post(closed, "/api/auth/login", { email, password: wrong });
        answers.push({ status: res.status, body: res.body });
      }
      expect(answers[0]).toEqual({ status: 400, body: { error: { code: "captcha_required", message: expect.any(String) } } });
      expect(answers[1]).toEqual(answers[0]);
    });

    it("asks once the IP has 3 failures, for any address, and not before", async () => {
      const ip = randomIp();
      for (let i = 0; i < 3; i++) {
        const res = await post(closed, "/api/auth/login", { email: uniqueEmail("spray"), password: wrong }, ip);
        expect([res.status, code(res)]).toEqual([401, "invalid_credentials"]);
      }
      const res = await post(closed, "/api/auth/login", { email: uniqueEmail("spray"), password: wrong }, ip);
      expect([res.status, code(res)]).toEqual([400, "captcha_required"]);
      const elsewhere = await post(closed, "/api/auth/login", { email: uniqueEmail("spray"), password: wrong });
      expect([elsewhere.status, code(elsewhere)]).toEqual([401, "invalid_credentials"]);
    });

    it("asks on the token route too, which shares the counters (no way around the challenge)", async () => {
      const email = uniqueEmail("tokenroute");
      for (let i = 0; i < 3; i++) expect((await post(closed, "/api/auth/login", { email, password: wrong })).status).toBe(401);
      const res = await post(closed, "/api/auth/token", { email, password: wrong });
      expect([res.status, code(res)]).toEqual([400, "captcha_required"]);
      const answered = await post(closed, "/api/auth/token", { email, password: wrong, captchaToken: "pass-token" });
      expect([answered.status, code(answered)]).toEqual([401, "invalid_credentials"]);
    });
  });

  describe("POST /api/auth/password/forgot", () => {
    async function resetRequests(server: StartedServer, email: string): Promise<number> {
      const [row] = await server.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_logs WHERE event_type = 'password.reset.requested' AND subject_hash = $1",
        [addressHash(email)],
      );
      return row!.n;
    }

    it("refuses without a token (400 captcha_required) before any lookup or mail; a passing token sends the link", async () => {
      const email = await registered(closed);
      const refused = await post(closed, "/api/auth/password/forgot", { email });
      expect([refused.status, code(refused)]).toEqual([400, "captcha_required"]);
      const failed = await post(closed, "/api/auth/password/forgot", { email, captchaToken: "fail-forgot" });
      expect([failed.status, code(failed)]).toEqual([403, "captcha_failed"]);
      const accepted = await post(closed, "/api/auth/password/forgot", { email, captchaToken: "pass-forgot" });
      expect(accepted.status).toBe(202);
      await eventually(
        () => resetRequests(closed, email),
        (n) => n >= 1,
        "the reset request's audit row",
      );
      expect(await resetRequests(closed, email)).toBe(1);
      const [mail] = await closed.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1 AND template = 'password_reset'",
        [email],
      );
      expect(mail!.n).toBe(1);
    });

    it("fails closed when siteverify hangs (503 captcha_unavailable + Retry-After)", async () => {
      const res = await post(closed, "/api/auth/password/forgot", { email: uniqueEmail(), captchaToken: "hang-forgot" });
      expect([res.status, code(res)]).toEqual([503, "captcha_unavailable"]);
      expect(res.headers.get("retry-after")).toBe("10");
    });
  });

  describe("pages", () => {
    function cspDirectives(policy: string | null): Map<string, string[]> {
      return new Map((policy ?? "").split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)] as const));
    }

    it.each(["/sign-up", "/sign-in", "/forgot-password"])(
      "%s loads the widget script with the CSP nonce, and the CSP allows its origin",
      async (path) => {
        const res = await fetch(`${closed.url}${path}`);
        expect(res.status).toBe(200);
        const csp = cspDirectives(res.headers.get("content-security-policy"));
        const nonce = /'nonce-([^']+)'/.exec(csp.get("script-src")?.join(" ") ?? "")?.[1];
        expect(nonce).toBeTruthy();
        expect(csp.get("script-src")).toContain(verifierUrl);
        expect(csp.get("frame-src")).toContain(verifierUrl);
        expect(csp.get("connect-src")).toContain(verifierUrl);
        const html = await res.text();
        const tag = new RegExp(`<script[^>]*src="${verifierUrl}/widget.js"[^>]*>`).exec(html)?.[0] ?? "";
        expect(tag).toContain(`nonce="${nonce}"`);
      },
    );

    it.each(["/sign-up", "/sign-in", "/forgot-password"])(
      "%s on a server with the CAPTCHA off has no widget script and no third-party origin in its CSP",
      async (path) => {
        const res = await new Client().get(path);
        expect(res.status).toBe(200);
        const policy = res.headers.get("content-security-policy") ?? "";
        expect(policy).toContain("script-src 'self' 'nonce-");
        expect(policy).not.toMatch(/https?:\/\//);
        expect(policy).not.toContain("frame-src");
        expect(res.text).not.toContain("widget.js");
      },
    );
  });
});
