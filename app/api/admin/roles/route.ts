import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { adminAction, requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { listRoles } from "@/lib/rbac/queries";
import { createRole, publicRole } from "@/lib/admin/roles";
import { body } from "./schema";

/** The roles that can be assigned, with their permissions and whether they require MFA. Needs users:read. */
export const GET = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "users:read");
  if (!auth.ok) return fail(auth);
  const roles = await listRoles(ctx.db);
  return withAuthCookie(json({ roles: roles.map(publicRole) }), auth.value);
});

/**
 * Creates a role: 201 with the role; 409 conflict when the name is taken; 400 for an unknown
 * permission. Needs roles:assign and a recent re-authentication.
 */
export const POST = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "roles:assign", { reauth: true });
  if (!auth.ok) return fail(auth);
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const { name, ...fields } = input.value;
  const result = await createRole(ctx.db, name, fields, adminAction(auth.value, ctx.now));
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ role: result.value }, { status: 201 }), auth.value);
});
