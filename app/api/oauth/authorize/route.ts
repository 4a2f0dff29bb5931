import { route } from "@/app/_lib/handler";
import { clearSessionCookie } from "@/app/_lib/auth";
import { optionalSession, oauthErrorPage, redirectTo } from "@/app/_lib/oauth";
import { authorize, endSessionForSignIn } from "@/lib/oauth/authorize";
import { PAGES } from "@/lib/http/pages";

/**
 * The authorization endpoint (GET, OpenID Connect Core §3.1.2): a code for the client's
 * redirect URI, or a detour through /sign-in or the consent page, or an error (lib/oauth/authorize.ts).
 */
export const GET = route(async (request, ctx) => {
  const params = new URL(request.url).searchParams;
  const { current, auth } = await optionalSession(request, ctx);
  const outcome = await authorize(ctx.db, { params, current, now: ctx.now, actor: ctx.actor }, ctx.config);
  const cookies = auth?.setCookie ? [auth.setCookie] : [];
  switch (outcome.kind) {
    case "redirect":
      return redirectTo(outcome.location, 302, cookies);
    case "consent":
      return redirectTo(outcome.location, 302, cookies);
    case "sign_in": {
      if (outcome.endSessionId) {
        await endSessionForSignIn(ctx.db, outcome.endSessionId, ctx.now);
        return redirectTo(`${PAGES.signIn}?returnTo=${encodeURIComponent(outcome.returnTo)}`, 302, [clearSessionCookie(ctx)]);
      }
      return redirectTo(`${PAGES.signIn}?returnTo=${encodeURIComponent(outcome.returnTo)}`, 302, cookies);
    }
    case "error_page": {
      const response = redirectTo(oauthErrorPage(outcome.error), 302, cookies);
      if (outcome.retryAfterSeconds !== undefined) response.headers.set("Retry-After", String(outcome.retryAfterSeconds));
      return response;
    }
  }
});
