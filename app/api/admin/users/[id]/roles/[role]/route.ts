import { route } from "@/app/_lib/handler";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { noContent, fail } from "@/lib/http/response";
import { parseUuid } from "@/lib/admin/search-params";
import { removeRole } from "@/lib/rbac/permissions";
import { pathParams } from "./schema";

/**
 * Takes a role away: 204; 404 when the user does not hold it; 409 last_admin for the last
 * active holder of a role that assigns roles. The user's next request already runs without it,
 * on a new session id. Needs roles:assign and a recent re-authentication.
 */
export const DELETE = route<{ id: string; role: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "roles:assign", { reauth: true });
  if (!auth.ok) return fail(auth);
  const id = parseUuid(params.id);
  if (!id.ok || !pathParams.shape.role.safeParse(params.role).success) return fail("not_found");
  const result = await removeRole(ctx.db, {
    targetUserId: id.value,
    role: params.role,
    actorId: auth.value.user.id,
    sessionId: auth.value.session.id,
    actor: auth.value.actor,
    now: ctx.now,
  });
  if (!result.ok) return fail(result);
  return withAuthCookie(noContent(), auth.value);
});
