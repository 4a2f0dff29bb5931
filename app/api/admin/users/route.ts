import { route } from "@/app/_lib/handler";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { decodeCursor } from "@/lib/http/cursor";
import { UUID_PATTERN, parseSearchParams } from "@/lib/admin/search-params";
import { listUsers } from "@/lib/admin/users";
import { query } from "./schema";

/** Lists and searches accounts, newest first, with cursor pagination. Needs users:read. */
export const GET = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "users:read");
  if (!auth.ok) return fail(auth);
  const input = parseSearchParams(request.url, query);
  if (!input.ok) return fail(input);
  const { q, status, role, limit, cursor } = input.value;
  const after = cursor === undefined ? null : decodeCursor(cursor, (id) => UUID_PATTERN.test(id));
  if (after === null && cursor !== undefined) return fail("invalid_cursor");
  const page = await listUsers(ctx.db, { query: q ?? null, status: status ?? null, role: role ?? null, after, limit });
  return withAuthCookie(json(page), auth.value);
});
