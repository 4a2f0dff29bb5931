import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { json, fail } from "@/lib/http/response";
import { revokeRefreshFamily } from "@/lib/tokens/refresh";
import { body } from "./schema";

/**
 * Ends a refresh token's family and its session. 200 {} whether or not the token was valid
 * (RFC 7009 §2.2), so the route cannot be used to test which tokens are live.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const result = await revokeRefreshFamily(ctx.db, { token: input.value.refreshToken, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  return json({});
});
