import { route } from "@/app/_lib/handler";
import { clearSessionCookie } from "@/app/_lib/auth";
import { optionalSession, oauthErrorPage, redirectTo } from "@/app/_lib/oauth";
import { endSession } from "@/lib/oauth/logout";

/** RP-initiated logout (GET, lib/oauth/logout.ts). */
export const GET = route(async (request, ctx) => {
  const params = new URL(request.url).searchParams;
  const { current } = await optionalSession(request, ctx);
  const outcome = await endSession(ctx.db, { params, current, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (outcome.kind === "error_page") return redirectTo(oauthErrorPage(outcome.error));
  return redirectTo(outcome.location, 302, outcome.signedOut ? [clearSessionCookie(ctx)] : []);
});
