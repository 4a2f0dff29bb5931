import { route } from "@/app/_lib/handler";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { decodeCursor } from "@/lib/http/cursor";
import { parseSearchParams } from "@/lib/admin/search-params";
import { isAuditId, searchAuditLog } from "@/lib/audit/audit-search";
import { query } from "./schema";

/**
 * Searches the audit log by user (actor or target), event type, IP and time range
 * ([from, to)), newest first, with cursor pagination. Needs audit:read.
 */
export const GET = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "audit:read");
  if (!auth.ok) return fail(auth);
  const input = parseSearchParams(request.url, query);
  if (!input.ok) return fail(input);
  const { user, event, ip, from, to, limit, cursor } = input.value;
  const after = cursor === undefined ? null : decodeCursor(cursor, isAuditId);
  if (after === null && cursor !== undefined) return fail("invalid_cursor");
  const page = await searchAuditLog(ctx.db, {
    userId: user ?? null,
    eventType: event ?? null,
    ip: ip ?? null,
    from: from ?? null,
    to: to ?? null,
    after,
    limit,
  });
  return withAuthCookie(json(page), auth.value);
});
