import { route } from "@/app/_lib/handler";
import { adminAction, requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { noContent, fail } from "@/lib/http/response";
import { parseUuid } from "@/lib/admin/search-params";
import { revokeUserSession } from "@/lib/admin/user-sessions";
import { pathParams } from "./schema";

/**
 * Ends one session of the account: 204; a session of another account (or none): 404. Needs
 * sessions:revoke and a recent re-authentication.
 */
export const DELETE = route<{ id: string; sessionId: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "sessions:revoke", { reauth: true });
  if (!auth.ok) return fail(auth);
  const id = parseUuid(params.id);
  const session = pathParams.shape.sessionId.safeParse(params.sessionId);
  if (!id.ok || !session.success) return fail("not_found");
  const action = adminAction(auth.value, ctx.now);
  const result = await revokeUserSession(ctx.db, id.value, session.data, action);
  if (!result.ok) return fail(result);
  return withAuthCookie(noContent(), auth.value);
});
