import { afterResponse, route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { json, fail } from "@/lib/http/response";
import { requestPasswordReset, sendRequestedPasswordReset } from "@/lib/accounts/password-reset";
import { captchaCheck } from "@/app/_lib/captcha";
import { body } from "./schema";

/**
 * Starts a password reset. 202 with the same body whether or not the address has an account
 * (a link is mailed only if it does); 429 with Retry-After when this IP asked too often.
 * The account lookup, the token and the mail happen after the response, so it takes the same
 * time for every address.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const captcha = await captchaCheck(ctx, "password_forgot", input.value);
  if (!captcha.ok) return fail(captcha);
  const result = await requestPasswordReset(ctx.db, { email: input.value.email, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  const requested = result.value;
  afterResponse(ctx, () => sendRequestedPasswordReset(ctx.db, requested, ctx.config));
  return json(
    { status: "requested", message: "If an account uses this address, a link to reset its password is on its way." },
    { status: 202 },
  );
});
