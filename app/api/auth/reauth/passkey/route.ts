import { route } from "@/app/_lib/handler";
import { readBodyWithSession, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { finishPasskeyReauth } from "@/lib/accounts/passkey-reauth";
import { addSeconds } from "@/lib/clock";
import { body } from "./schema";

/**
 * Opens the re-authentication window with a passkey instead of the password: a new session id,
 * aal2, amr ["hwk","mfa"].
 */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body);
  if (!parsed.ok) return fail(parsed);
  const { input, auth } = parsed;
  const result = await finishPasskeyReauth(
    ctx.db,
    { session: auth.session, user: auth.user, response: input.response, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  return json(
    { reauthenticatedUntil: addSeconds(ctx.now, ctx.config.REAUTH_WINDOW_SECONDS).toISOString() },
    { headers: { "Set-Cookie": sessionCookie(ctx, result.value) } },
  );
});
