import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { json, fail } from "@/lib/http/response";
import { publicTokenPair, refreshTokenPair } from "@/lib/tokens/refresh";
import { body } from "./schema";

/**
 * A refresh token in, a new pair out. Within the grace window the same token returns the same
 * successor; any other reuse ends the family (401 refresh_token_reused). Rate limited per IP.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const result = await refreshTokenPair(ctx.db, { token: input.value.refreshToken, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  return json(publicTokenPair(result.value));
});
