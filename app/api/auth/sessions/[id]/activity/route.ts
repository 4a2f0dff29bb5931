import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { parseSearchParams } from "@/lib/admin/search-params";
import { listOwnSessionActivity } from "@/lib/accounts/activity";
import { pathParams, query } from "./schema";

/**
 * The security events of one of the caller's own sessions (live, ended or rotated away), newest
 * first, with cursor pagination. Another user's session id or an unknown one: 404 (the former
 * audited as authz.denied).
 */
export const GET = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const input = parseSearchParams(request.url, query);
  if (!input.ok) return fail(input);
  const id = pathParams.shape.id.safeParse(params.id);
  if (!id.success) return fail("not_found");
  const page = await listOwnSessionActivity(ctx.db, {
    userId: auth.value.user.id,
    sessionId: id.data,
    limit: input.value.limit,
    cursor: input.value.cursor ?? null,
    actor: ctx.actor,
    currentSessionId: auth.value.session.id,
    now: ctx.now,
  });
  if (!page.ok) return fail(page);
  return withAuthCookie(json(page.value), auth.value);
});
