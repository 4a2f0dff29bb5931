import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { revokeConsent } from "@/lib/oauth/consents";

/** Withdraws a consent: the client's refresh families for this person end at once. */
export const DELETE = route<{ clientId: string }>(async (request, ctx, params) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const result = await revokeConsent(ctx.db, {
    userId: auth.value.user.id,
    sessionId: auth.value.session.id,
    clientId: params.clientId,
    now: ctx.now,
    actor: ctx.actor,
  });
  if (!result.ok) return withAuthCookie(fail(result), auth.value);
  return withAuthCookie(json({ clientId: params.clientId, familiesRevoked: result.value.familiesRevoked }), auth.value);
});
