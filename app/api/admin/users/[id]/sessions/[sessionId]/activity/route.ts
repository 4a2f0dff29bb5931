import { route } from "@/app/_lib/handler";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { decodeCursor } from "@/lib/http/cursor";
import { parseSearchParams, parseUuid } from "@/lib/admin/search-params";
import { isAuditId } from "@/lib/audit/audit-search";
import { listUserSessionActivity } from "@/lib/admin/user-sessions";
import { pathParams, query } from "./schema";

/**
 * The security events of one session of the account (created, refreshed, re-authenticated,
 * stepped up, rotated, revoked and by whom), newest first, as audit entries with cursor
 * pagination. A session of another account, or none: 404. Needs audit:read.
 */
export const GET = route<{ id: string; sessionId: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "audit:read");
  if (!auth.ok) return fail(auth);
  const input = parseSearchParams(request.url, query);
  if (!input.ok) return fail(input);
  const after = input.value.cursor === undefined ? null : decodeCursor(input.value.cursor, isAuditId);
  if (after === null && input.value.cursor !== undefined) return fail("invalid_cursor");
  const id = parseUuid(params.id);
  const session = pathParams.shape.sessionId.safeParse(params.sessionId);
  if (!id.ok || !session.success) return fail("not_found");
  const page = await listUserSessionActivity(ctx.db, { userId: id.value, sessionId: session.data, after, limit: input.value.limit });
  if (!page.ok) return fail(page);
  return withAuthCookie(json(page.value), auth.value);
});
