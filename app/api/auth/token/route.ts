import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { mfaRequiredBody } from "@/app/_lib/sign-in";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { cookieName, readCookie } from "@/lib/http/cookies";
import { shapeOf } from "@/lib/passwords/check";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { readLoginDeviceCookie } from "@/app/_lib/login-device";
import { exchangeSession, publicTokenPair } from "@/lib/tokens/refresh";
import { exchangeCredentials } from "@/lib/accounts/token-exchange";
import { captchaCheck } from "@/app/_lib/captcha";
import { body } from "./schema";

/**
 * A token pair for email + password, or (empty body or {}) for the current session cookie /
 * Bearer session token. An account with a second factor gets the MFA challenge instead.
 */
export const POST = route(async (request, ctx) => {
  const hasBody = request.headers.get("content-type") !== null;
  const input = hasBody ? await readBody(request, body) : { ok: true as const, value: {} };
  if (!input.ok) return fail(input);
  if ("email" in input.value) {
    const { email, password, captchaToken } = input.value;
    const shape = shapeOf(password, "", ctx.config);
    if (!shape.ok && shape.error === "password_too_long") return fail("invalid_credentials");
    const captcha = await captchaCheck(ctx, "sign_in", { email, captchaToken });
    if (!captcha.ok) return fail(captcha);
    const trustedDeviceToken = readCookie(request, cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies));
    const loginDeviceToken = readLoginDeviceCookie(request, ctx);
    const result = await exchangeCredentials(
      ctx.db,
      { email, password, now: ctx.now, actor: ctx.actor, trustedDeviceToken, loginDeviceToken },
      ctx.config,
    );
    if (!result.ok) return fail(result);
    const outcome = result.value;
    return json(outcome.kind === "mfa_required" ? mfaRequiredBody(outcome) : publicTokenPair(outcome.pair));
  }
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const pair = await exchangeSession(ctx.db, { session: auth.value.session, now: ctx.now, actor: ctx.actor }, ctx.config);
  return withAuthCookie(json(publicTokenPair(pair)), auth.value);
});
