import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { signInResponse } from "@/app/_lib/sign-in";
import { fail } from "@/lib/http/response";
import { readCookie, cookieName } from "@/lib/http/cookies";
import { signIn } from "@/lib/accounts/sign-in";
import { shapeOf } from "@/lib/passwords/check";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { readLoginDeviceCookie } from "@/app/_lib/login-device";
import { captchaCheck } from "@/app/_lib/captcha";
import { body } from "./schema";

export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  // An over-long password is refused before any hashing (a DoS guard); any other shape
  // problem is just a wrong password here, answered like every other failure.
  const shape = shapeOf(input.value.password, "", ctx.config);
  if (!shape.ok && shape.error === "password_too_long") return fail("invalid_credentials");
  const captcha = await captchaCheck(ctx, "sign_in", input.value);
  if (!captcha.ok) return fail(captcha);
  const trustedDeviceToken = readCookie(request, cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies));
  const loginDeviceToken = readLoginDeviceCookie(request, ctx);
  const result = await signIn(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor, trustedDeviceToken, loginDeviceToken }, ctx.config);
  if (!result.ok) return fail(result);
  return signInResponse(ctx, result.value);
});
