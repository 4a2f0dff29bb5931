/**
 * Response builders. Every response carries the auth security headers (no caching, HSTS,
 * nosniff, no framing, no referrer). Error bodies are always
 * { "error": { "code", "message" } }: the status comes from lib/errors.ts.
 */
import { messageOf, statusOf, type ErrorCode } from "../errors";

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

export function jsonError(
  code: ErrorCode,
  options: { retryAfterSeconds?: number; headers?: HeadersInit; details?: unknown } = {},
): Response {
  const headers = new Headers(options.headers);
  if (options.retryAfterSeconds !== undefined) headers.set("Retry-After", String(Math.max(1, Math.ceil(options.retryAfterSeconds))));
  const error: Record<string, unknown> = { code, message: messageOf(code) };
  if (options.details !== undefined) error.details = options.details;
  return json({ error }, { status: statusOf(code), headers });
}

/** Maps a failed Result to its response. */
export function resultError(result: { error: ErrorCode; retryAfterSeconds?: number }): Response {
  return jsonError(result.error, result.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: result.retryAfterSeconds });
}
