import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { adminAction, requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, noContent, fail } from "@/lib/http/response";
import { editRole, removeRoleDefinition } from "@/lib/admin/roles";
import { ROLE_NAME } from "@/lib/admin/role-input";
import { body } from "./schema";

/**
 * Edits a role's description, permissions or require_mfa: 200 with the role. Widening it ends
 * its holders' sessions; narrowing it gives them a new session id (lib/admin/roles.ts).
 * 409 last_admin when no active account would keep roles:assign. Needs roles:assign and a
 * recent re-authentication.
 */
export const PATCH = route<{ name: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "roles:assign", { reauth: true });
  if (!auth.ok) return fail(auth);
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  if (!ROLE_NAME.test(params.name)) return fail("not_found");
  const result = await editRole(ctx.db, params.name, input.value, adminAction(auth.value, ctx.now));
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ role: result.value }), auth.value);
});

/** Deletes a role nobody holds: 204; 409 role_in_use while an account holds it. Needs roles:assign and a recent re-authentication. */
export const DELETE = route<{ name: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "roles:assign", { reauth: true });
  if (!auth.ok) return fail(auth);
  if (!ROLE_NAME.test(params.name)) return fail("not_found");
  const result = await removeRoleDefinition(ctx.db, params.name, adminAction(auth.value, ctx.now));
  if (!result.ok) return fail(result);
  return withAuthCookie(noContent(), auth.value);
});
