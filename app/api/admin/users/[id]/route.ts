import { route } from "@/app/_lib/handler";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { parseUuid } from "@/lib/admin/search-params";
import { getUserDetail } from "@/lib/admin/users";

/** One account's security state (user_security_status). Needs users:read. */
export const GET = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "users:read");
  if (!auth.ok) return fail(auth);
  const id = parseUuid(params.id);
  if (!id.ok) return fail(id);
  const user = await getUserDetail(ctx.db, id.value, ctx.now);
  if (!user.ok) return fail(user);
  return withAuthCookie(json({ user: user.value }), auth.value);
});
