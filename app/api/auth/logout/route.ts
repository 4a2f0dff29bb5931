import { route } from "@/app/_lib/route";
import { clearSessionCookie, sessionTokenFrom } from "@/app/_lib/auth";
import { noContent } from "@/lib/http/response";
import { endSession } from "@/lib/sessions/sign-out";
import { parseSessionToken } from "@/lib/sessions/sessions";

/** Ends the current session (and its refresh family) and clears the cookie. Always 204. */
export const POST = route(async (request, ctx) => {
  const token = sessionTokenFrom(request, ctx);
  const parsed = token ? parseSessionToken(token) : null;
  if (token && parsed) {
    await endSession(ctx.db, token, { now: ctx.now, actor: ctx.actor }, ctx.config);
  }
  return noContent({ headers: { "Set-Cookie": clearSessionCookie(ctx), "Clear-Site-Data": '"cookies"' } });
});
