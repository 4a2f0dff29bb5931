/**
 * The head of every /admin page: signed out -> /sign-in?returnTo=<page>; signed in without the
 * permission -> the 403 page (forbidden(), audited as authz.denied by requirePagePermission);
 * holding it only through a role that requires MFA, from an aal1 session ->
 * /admin/second-factor?returnTo=<page> (enrol, or step up with a code).
 * The API routes the console calls check the same permissions again on every request.
 */
import { forbidden, redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { hasActiveMfa } from "@/lib/mfa/status";
import type { Permission } from "@/lib/rbac/permissions";
import { requirePagePermission } from "./authorize";
import { safeReturnTo, signInPath } from "./return-to";
import { PAGES } from "@/lib/http/pages";

export async function requireAdminPage(
  permission: Permission,
  path: string,
): Promise<{ userId: string; permissions: readonly string[]; mfaEnabled: boolean }> {
  const access = await requirePagePermission(permission, path);
  if (!access.ok) {
    if (access.error === "unauthenticated") redirect(signInPath(path));
    if (access.error === "mfa_enrolment_required" || access.error === "step_up_required") {
      redirect(`${PAGES.adminSecondFactor}?returnTo=${encodeURIComponent(safeReturnTo(path))}`);
    }
    forbidden();
  }
  return {
    userId: access.value.user.id,
    permissions: access.value.permissions,
    mfaEnabled: await hasActiveMfa(await getDb(), access.value.user.id),
  };
}
