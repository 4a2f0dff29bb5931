import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { parseSearchParams } from "@/lib/admin/search-params";
import { listOwnActivity } from "@/lib/accounts/activity";
import { query } from "./schema";

/** The signed-in user's own security events (audit rows about their account), newest first, with cursor pagination. */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const input = parseSearchParams(request.url, query);
  if (!input.ok) return fail(input);
  const page = await listOwnActivity(ctx.db, { userId: auth.value.user.id, limit: input.value.limit, cursor: input.value.cursor ?? null });
  if (!page.ok) return fail(page);
  return withAuthCookie(json(page.value), auth.value);
});
