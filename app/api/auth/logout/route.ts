import { route } from "@/app/_lib/handler";
import { clearSessionCookie, sessionTokenFrom } from "@/app/_lib/auth";
import { noContent } from "@/lib/http/response";
import { endSession } from "@/lib/sessions/sign-out";
import { parseSessionToken } from "@/lib/sessions/sessions";

/**
 * Ends the current session (and its refresh family) and clears the cookie. Always 204.
 * Clear-Site-Data names the cache and storage, not "cookies": that would also wipe the
 * trusted-device and login-device cookies, and "remember this browser" would not survive a
 * sign-out (a session that expires keeps them too).
 */
export const POST = route(async (request, ctx) => {
  const token = sessionTokenFrom(request, ctx);
  const parsed = token ? parseSessionToken(token) : null;
  if (token && parsed) {
    await endSession(ctx.db, token, { now: ctx.now, actor: ctx.actor }, ctx.config);
  }
  return noContent({ headers: { "Set-Cookie": clearSessionCookie(ctx), "Clear-Site-Data": '"cache", "storage"' } });
});
