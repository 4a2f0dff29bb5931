import { route } from "@/app/_lib/handler";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { rotateClientSecret } from "@/lib/oauth/clients";

/** A new secret for a confidential client (shown once); the old one stops working at once. */
export const POST = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "clients:manage", { reauth: true });
  if (!auth.ok) return fail(auth);
  const by = { actor: ctx.actor, actorId: auth.value.user.id, sessionId: auth.value.session.id, now: ctx.now };
  const result = await rotateClientSecret(ctx.db, params.id, by);
  if (!result.ok) return withAuthCookie(fail(result), auth.value);
  return withAuthCookie(json({ client: result.value.client, clientSecret: result.value.secret }), auth.value);
});
