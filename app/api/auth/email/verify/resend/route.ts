import { afterResponse, route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { requestEmailVerification, sendRequestedVerification } from "@/lib/accounts/email-verification";
import { body } from "./schema";

/**
 * Sends a new verification link: to the signed-in user's address, or (signed out) to `email`.
 * 202 with the same body whatever the address; 429 with Retry-After when this IP asked too often.
 * The account lookup, the token and the mail happen after the response (the same time for every address).
 */
export const POST = route(async (request, ctx) => {
  const hasBody = request.headers.get("content-type") !== null;
  const input = hasBody ? await readBody(request, body) : { ok: true as const, value: {} as { email?: string } };
  if (!input.ok) return fail(input);
  const auth = await authenticate(request, ctx);
  const email = auth.ok ? auth.value.user.email : input.value.email;
  if (!email) return fail("invalid_request");
  const result = await requestEmailVerification(ctx.db, { email, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  const requested = result.value;
  afterResponse(ctx, () => sendRequestedVerification(ctx.db, requested, ctx.config));
  const response = json({ status: "requested", message: "If this address needs confirming, a new link is on its way." }, { status: 202 });
  return auth.ok ? withAuthCookie(response, auth.value) : response;
});
