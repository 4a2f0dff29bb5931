import { route } from "@/app/_lib/handler";
import { readBodyWithSession, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { reauthenticate } from "@/lib/accounts/reauth";
import { addSeconds } from "@/lib/clock";
import { body } from "./schema";

/**
 * Opens the re-authentication ("sudo") window: the password again, and the second factor when
 * the account has one. Issues a new session id (the old one stops working).
 */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body);
  if (!parsed.ok) return fail(parsed);
  const { input, auth } = parsed;
  const result = await reauthenticate(
    ctx.db,
    { ...auth, password: input.password, code: input.code ?? null, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  return json(
    { reauthenticatedUntil: addSeconds(ctx.now, ctx.config.REAUTH_WINDOW_SECONDS).toISOString() },
    { headers: { "Set-Cookie": sessionCookie(ctx, result.value) } },
  );
});
