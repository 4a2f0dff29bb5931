import { route } from "@/app/_lib/handler";
import { clearSessionCookie, readBodyWithSession } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { clearCookie, cookieName } from "@/lib/http/cookies";
import { deleteAccount } from "@/lib/accounts/delete-account";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { body } from "./schema";

/**
 * Deletes the signed-in user's account (policy in lib/accounts/delete-account.ts), inside the
 * re-authentication window. Clears the session and trusted-device cookies.
 */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body, { reauth: true });
  if (!parsed.ok) return fail(parsed);
  const { auth } = parsed;
  const result = await deleteAccount(
    ctx.db,
    {
      userId: auth.user.id,
      by: "self",
      actorId: auth.user.id,
      sessionId: auth.session.id,
      actor: ctx.actor,
      now: ctx.now,
    },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  const response = json({ status: "deleted", message: "Your account was deleted." });
  response.headers.append("Set-Cookie", clearSessionCookie(ctx));
  response.headers.append("Set-Cookie", clearCookie(cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies), ctx.config.secureCookies));
  return response;
});
