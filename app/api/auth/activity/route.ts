import { z } from "zod";
import { text } from "@/lib/http/text";
import { route } from "@/app/_lib/route";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, jsonError, resultError } from "@/lib/http/response";
import { parseSearchParams } from "@/lib/admin/search-params";
import { listOwnActivity } from "@/lib/accounts/activity";

const query = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: text().min(1).max(200).optional(),
  })
  .strict();

/** The signed-in user's own security events (audit rows about their account), newest first, with cursor pagination. */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return resultError(auth);
  const input = parseSearchParams(request.url, query);
  if (!input.ok) return jsonError(input.error, { details: input.issues });
  const page = await listOwnActivity(ctx.db, { userId: auth.value.user.id, limit: input.value.limit, cursor: input.value.cursor ?? null });
  if (!page.ok) return resultError(page);
  return withAuthCookie(json(page.value), auth.value);
});
