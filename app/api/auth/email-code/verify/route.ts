import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { signInResponse } from "@/app/_lib/sign-in";
import { fail } from "@/lib/http/response";
import { cookieName, readCookie } from "@/lib/http/cookies";
import { signInWithEmailCode } from "@/lib/accounts/email-code";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { body } from "./schema";

/**
 * Signs in with an emailed code: the same answers as POST /api/auth/login (signed_in with the
 * session cookie, or mfa_required with a challenge for POST /api/auth/login/mfa); every wrong,
 * spent, expired or unknown code is 401 invalid_sign_in_code.
 */
export const POST = route(async (request, ctx) => {
  if (!ctx.config.EMAIL_SIGN_IN_CODES) return fail("email_codes_disabled");
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const trustedDeviceToken = readCookie(request, cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies));
  const result = await signInWithEmailCode(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor, trustedDeviceToken }, ctx.config);
  if (!result.ok) return fail(result);
  return signInResponse(ctx, result.value);
});
