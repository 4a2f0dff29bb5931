/**
 * Next.js side of social sign-in: the flow cookie and the redirects. Decisions live in
 * lib/social; this module only reads and writes cookies and builds responses.
 */
import type { RequestContext } from "@/lib/http/context";
import { clearCookie, cookieName, readCookie, serializeCookie } from "@/lib/http/cookies";
import { withSecurityHeaders } from "@/lib/http/response";
import { openFlow, sealFlow, SOCIAL_FLOW_COOKIE, type SocialFlow } from "@/lib/social/flow";
import { startAuthorization } from "@/lib/social/identity";
import type { SocialProviderConfig } from "@/lib/social/providers";
import { PAGES } from "@/lib/http/pages";

function flowCookieName(ctx: RequestContext): string {
  return cookieName(SOCIAL_FLOW_COOKIE, ctx.config.secureCookies);
}

export function readFlow(request: Request, ctx: RequestContext): Promise<SocialFlow | null> {
  return openFlow(readCookie(request, flowCookieName(ctx)), ctx.config, ctx.now);
}

export function clearFlowCookie(ctx: RequestContext): string {
  return clearCookie(flowCookieName(ctx), ctx.config.secureCookies);
}

/** Starts a flow: the provider's authorization URL, and the sealed cookie to set with it. */
export async function beginFlow(
  ctx: RequestContext,
  provider: SocialProviderConfig,
  purpose: SocialFlow["purpose"],
  sessionId: string | null,
  returnTo: string,
): Promise<{ url: string; setCookie: string }> {
  const start = await startAuthorization(provider, ctx.config.APP_URL);
  const ttl = ctx.config.SOCIAL_FLOW_TTL_SECONDS;
  const sealed = await sealFlow(
    {
      provider: provider.id,
      state: start.state,
      nonce: start.nonce,
      codeVerifier: start.codeVerifier,
      purpose,
      sessionId,
      returnTo,
      expiresAt: ctx.now.getTime() + ttl * 1000,
    },
    ctx.config,
  );
  const setCookie = serializeCookie(flowCookieName(ctx), sealed, { maxAgeSeconds: ttl, secure: ctx.config.secureCookies });
  return { url: start.url.toString(), setCookie };
}

/** A 303 to `location` (a path on this site or the provider's URL), with cookies. */
export function redirectTo(location: string, cookies: readonly string[] = []): Response {
  const headers = withSecurityHeaders(new Headers({ Location: location, "Cache-Control": "no-store" }));
  for (const c of cookies) headers.append("Set-Cookie", c);
  return new Response(null, { status: 303, headers });
}

/** Where a failed flow lands: the page it started from, with the error code to show. */
export function errorPath(page: typeof PAGES.signIn | typeof PAGES.accountSecurity, code: string, returnTo?: string): string {
  const query = new URLSearchParams({ error: code });
  if (page === PAGES.signIn && returnTo && returnTo !== PAGES.home) query.set("returnTo", returnTo);
  return `${page}?${query.toString()}`;
}
