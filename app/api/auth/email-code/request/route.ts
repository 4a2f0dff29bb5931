import { afterResponse, route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { json, fail } from "@/lib/http/response";
import { requestEmailCode, sendRequestedEmailCode } from "@/lib/accounts/email-code";
import { body } from "./schema";

/**
 * Asks for an email sign-in code (when EMAIL_SIGN_IN_CODES is on; else 404 email_codes_disabled).
 * 202 with the same body whether or not the address has an account (a code is mailed only to an
 * active account with a verified address); 429 with Retry-After when this IP asked too often.
 * The lookup, the code and the mail happen after the response: the same time for every address.
 */
export const POST = route(async (request, ctx) => {
  if (!ctx.config.EMAIL_SIGN_IN_CODES) return fail("email_codes_disabled");
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const result = await requestEmailCode(ctx.db, { email: input.value.email, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  const requested = result.value;
  afterResponse(ctx, () => sendRequestedEmailCode(ctx.db, requested, ctx.config));
  return json(
    { status: "requested", message: "If an account with a confirmed address uses this address, a sign-in code is on its way." },
    { status: 202 },
  );
});
