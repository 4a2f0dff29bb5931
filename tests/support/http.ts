/**
 * An HTTP client for tests against the running server: keeps cookies like a browser would,
 * sends a same-origin Origin and a per-client IP (through the trusted x-real-ip header, as a
 * reverse proxy would), and can set the server's clock per request (x-test-now).
 */
import { inject } from "vitest";
import { randomBytes } from "node:crypto";
import { TEST_ORIGIN } from "./env";

export interface HttpResult<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface RequestOptions {
  readonly json?: unknown;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly now?: Date | number;
  readonly cookies?: boolean;
}

export function baseUrl(): string {
  return inject("baseUrl");
}

export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export function uniqueEmail(tag = "user"): string {
  return `${tag}-${randomBytes(6).toString("hex")}@example.com`;
}

export const GOOD_PASSWORD = "plenty long passphrase for tests";

export class Client {
  readonly jar = new Map<string, string>();
  ip: string;
  now: Date | number | null = null;

  constructor(options: { ip?: string } = {}) {
    this.ip = options.ip ?? randomIp();
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  sessionToken(): string | undefined {
    return this.jar.get("__Host-portcullis_session");
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
    // A header given as "" is left out (e.g. { origin: "" } sends no Origin at all).
    const headers: Record<string, string> = Object.fromEntries(
      Object.entries({ origin: TEST_ORIGIN, "x-real-ip": this.ip, ...(options.headers ?? {}) }).filter(([, v]) => v !== ""),
    );
    let body: string | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] ??= "application/json";
    }
    const now = options.now ?? this.now;
    if (now !== null && now !== undefined) headers["x-test-now"] = String(typeof now === "number" ? now : now.getTime());
    if (options.cookies !== false && this.jar.size > 0 && !("cookie" in headers)) {
      headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    }
    const response = await fetch(`${baseUrl()}${path}`, { method, headers, body, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/Max-Age=0/i.test(line) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>("GET", path, options);
  }

  post<T = any>(path: string, json?: unknown, options: RequestOptions = {}) {
    return this.request<T>("POST", path, json === undefined ? options : { ...options, json });
  }

  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>("DELETE", path, options);
  }
}

/** White-box access to the server's database through the test hook. */
export async function serverSql<T = any>(text: string, values: unknown[] = []): Promise<T[]> {
  const response = await fetch(`${baseUrl()}/api/test/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text, values }),
  });
  const body = (await response.json()) as { rows: T[]; error?: unknown };
  if (response.status !== 200) throw new Error(`test sql failed: ${JSON.stringify(body)}`);
  return body.rows;
}

/** The newest message in the outbox for an address. */
export async function latestMail(
  to: string,
  template?: string,
): Promise<{ subject: string; text_body: string; template: string } | undefined> {
  const rows = await serverSql<{ subject: string; text_body: string; template: string }>(
    `SELECT subject, text_body, template FROM mail_outbox WHERE to_address = $1 AND ($2::text IS NULL OR template = $2) ORDER BY id DESC LIMIT 1`,
    [to, template ?? null],
  );
  return rows[0];
}

/** Extracts the token from a link in a message body (links carry it as #token=...). */
export function tokenFromMail(text: string): string {
  const match = /token=([A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`no token in mail: ${text.slice(0, 80)}`);
  return match[1]!;
}

/** Registers and signs in a fresh user; returns the client holding the session cookie. */
export async function signedInClient(
  options: { email?: string; password?: string } = {},
): Promise<{ client: Client; email: string; password: string; userId: string }> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? GOOD_PASSWORD;
  const client = new Client();
  const reg = await client.post("/api/auth/register", { email, password });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const login = await client.post("/api/auth/login", { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { client, email, password, userId: login.body.user.id };
}
