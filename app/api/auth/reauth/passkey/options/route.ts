import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { startPasskeyReauth } from "@/lib/accounts/passkey-reauth";

/** Request options for re-authenticating with one of the caller's passkeys (409 no_passkeys without one). */
export const POST = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const input = { session: auth.value.session, user: auth.value.user, now: ctx.now, actor: ctx.actor };
  const result = await startPasskeyReauth(ctx.db, input, ctx.config);
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ options: result.value }), auth.value);
});
