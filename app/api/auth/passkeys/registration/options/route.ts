import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { startPasskeyRegistration } from "@/lib/mfa/passkeys";

/**
 * Creation options for a new passkey (inside the re-authentication window, with a verified
 * address): pass them to navigator.credentials.create (startRegistration in @simplewebauthn/browser).
 */
export const POST = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const input = { session: auth.value.session, user: auth.value.user, now: ctx.now, actor: ctx.actor };
  const result = await startPasskeyRegistration(ctx.db, input, ctx.config);
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ options: result.value }), auth.value);
});
