/**
 * The Next.js side of the OpenID Connect endpoints: redirects, OAuth-shaped JSON errors
 * (RFC 6749 §5.2: { error, error_description }, not the API's error envelope), form bodies,
 * and the optional browser session. Decisions live in lib/oauth.
 */
import type { RequestContext } from "@/lib/http/context";
import { json, withSecurityHeaders } from "@/lib/http/response";
import { MAX_BODY_BYTES } from "@/lib/http/parse";
import type { OAuthError } from "@/lib/oauth/tokens";
import type { ValidSession } from "@/lib/sessions/sessions";
import { authenticate, type Authenticated } from "./auth";
import { PAGES } from "@/lib/http/pages";

export function redirectTo(location: string, status: 302 | 303 = 302, setCookies: readonly string[] = []): Response {
  const headers = withSecurityHeaders(new Headers({ Location: location }));
  for (const cookie of setCookies) headers.append("Set-Cookie", cookie);
  return new Response(null, { status, headers });
}

/** `basic`: the client used the Authorization header, so a 401 names the Basic scheme (RFC 6749 §5.2). */
export function oauthError(e: OAuthError, basic = false): Response {
  const status = e.error === "invalid_client" ? 401 : e.error === "too_many_requests" ? 429 : 400;
  const headers: Record<string, string> = {};
  if (e.retryAfterSeconds !== undefined) headers["Retry-After"] = String(Math.max(1, Math.ceil(e.retryAfterSeconds)));
  if (status === 401 && basic) headers["WWW-Authenticate"] = 'Basic realm="portcullis"';
  return json({ error: e.error, error_description: e.description }, { status, headers });
}

/** An application/x-www-form-urlencoded body (what OAuth clients send), or null. */
export async function readForm(request: Request): Promise<URLSearchParams | null> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type.trim())) return null;
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return null;
  return new URLSearchParams(text);
}

/** The browser session, if any (a session pending rotation is rotated; its cookie comes back). */
export async function optionalSession(
  request: Request,
  ctx: RequestContext,
): Promise<{ current: ValidSession | null; auth: Authenticated | null }> {
  const auth = await authenticate(request, ctx);
  return auth.ok ? { current: auth.value, auth: auth.value } : { current: null, auth: null };
}

export function oauthErrorPage(error: string): string {
  return `${PAGES.oauthError}?error=${encodeURIComponent(error)}`;
}
