import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { unlinkIdentity } from "@/lib/social/social";
import { publicIdentity } from "@/lib/social/views";
import { pathParams } from "./schema";

/** Unlinks one of the caller's identities (re-authentication required); never the last way to sign in (409). */
export const DELETE = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const id = pathParams.shape.id.safeParse(params.id);
  if (!id.success) return fail("not_found");
  const result = await unlinkIdentity(ctx.db, {
    userId: auth.value.user.id,
    sessionId: auth.value.session.id,
    identityId: id.data,
    now: ctx.now,
    actor: ctx.actor,
  });
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ unlinked: publicIdentity(result.value) }), auth.value);
});
