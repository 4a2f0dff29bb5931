import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { parseUuid } from "@/lib/admin/search-params";
import { assignRole } from "@/lib/rbac/permissions";
import { body } from "./schema";

/**
 * Grants a role: 201 when granted, 200 when already held. The user's sessions take a new id
 * at their next request. Needs roles:assign and a recent re-authentication.
 */
export const POST = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "roles:assign", { reauth: true });
  if (!auth.ok) return fail(auth);
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const id = parseUuid(params.id);
  if (!id.ok) return fail(id);
  const result = await assignRole(ctx.db, {
    targetUserId: id.value,
    role: input.value.role,
    actorId: auth.value.user.id,
    sessionId: auth.value.session.id,
    actor: auth.value.actor,
    now: ctx.now,
  });
  if (!result.ok) return fail(result);
  return withAuthCookie(
    json({ id: id.value, roles: result.value.roles, changed: result.value.changed }, { status: result.value.changed ? 201 : 200 }),
    auth.value,
  );
});
