/**
 * Response builders. Every response carries the auth security headers (no caching, HSTS,
 * nosniff, no framing, no referrer). Error bodies are always
 * { "error": { "code", "message" } }: the status comes from lib/errors.ts.
 */
import { messageOf, statusOf, type ErrorCode } from "../errors";
import type { FieldIssue } from "./parse";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  Pragma: "no-cache",
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
};

export function withSecurityHeaders(headers: Headers): Headers {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  return headers;
}

export function json(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = withSecurityHeaders(new Headers(init.headers));
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

export function noContent(init: { headers?: HeadersInit } = {}): Response {
  return new Response(null, { status: 204, headers: withSecurityHeaders(new Headers(init.headers)) });
}

function jsonError(code: ErrorCode, options: { retryAfterSeconds?: number; headers?: HeadersInit; details?: unknown } = {}): Response {
  const headers = new Headers(options.headers);
  if (options.retryAfterSeconds !== undefined) headers.set("Retry-After", String(Math.max(1, Math.ceil(options.retryAfterSeconds))));
  const error: Record<string, unknown> = { code, message: messageOf(code) };
  if (options.details !== undefined) error.details = options.details;
  return json({ error }, { status: statusOf(code), headers });
}

/**
 * Everything a route handler can fail with: a catalogue code, or any failed outcome that carries
 * one — a failed `Result` (with its Retry-After), a rejected body (with its field issues), a
 * refused permission check (with the rotated-session cookie, so a refusal never signs anyone out).
 */
export type Failure =
  | ErrorCode
  | {
      readonly error: ErrorCode;
      readonly retryAfterSeconds?: number;
      readonly issues?: readonly FieldIssue[];
      readonly setCookie?: string | null;
    };

/**
 * The one way a route handler fails (tests/unit/route-failures.test.ts keeps it that way):
 *
 *   const user = await getUserDetail(ctx.db, id, ctx.now);
 *   if (!user.ok) return fail(user);
 */
export function fail(failure: Failure, options: { headers?: HeadersInit } = {}): Response {
  if (typeof failure === "string") return jsonError(failure, options);
  const response = jsonError(failure.error, {
    ...options,
    ...(failure.retryAfterSeconds !== undefined && { retryAfterSeconds: failure.retryAfterSeconds }),
    ...(failure.issues !== undefined && { details: failure.issues }),
  });
  if (failure.setCookie) response.headers.append("Set-Cookie", failure.setCookie);
  return response;
}
