import { route } from "@/app/_lib/route";
import { refusal, requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json } from "@/lib/http/response";
import { listRoles } from "@/lib/rbac/queries";

/** The roles that can be assigned, with their permissions. Needs users:read. */
export const GET = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "users:read");
  if (!auth.ok) return refusal(auth);
  const roles = await listRoles(ctx.db);
  return withAuthCookie(
    json({ roles: roles.map((r) => ({ name: r.name, description: r.description, permissions: r.permissions })) }),
    auth.value,
  );
});
