import { route } from "@/app/_lib/route";
import { readBody } from "@/app/_lib/parse";
import { sessionCookie } from "@/app/_lib/auth";
import { json, jsonError, resultError } from "@/lib/http/response";
import { readCookie, cookieName } from "@/lib/http/cookies";
import { signIn } from "@/lib/accounts/sign-in";
import { shapeOf } from "@/lib/passwords/check";
import { publicSession, publicUser } from "@/lib/sessions/views";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { loginDeviceCookie, readLoginDeviceCookie } from "@/app/_lib/login-device";
import { captchaRefusal } from "@/app/_lib/captcha";
import { body } from "./schema";

export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return input.response;
  // An over-long password is refused before any hashing (a DoS guard); any other shape
  // problem is just a wrong password here, answered like every other failure.
  const shape = shapeOf(input.value.password, "", ctx.config);
  if (!shape.ok && shape.error === "password_too_long") return jsonError("invalid_credentials");
  const captcha = await captchaRefusal(ctx, "sign_in", input.value);
  if (captcha) return captcha;
  const actor = ctx.actor;
  const trustedDeviceToken = readCookie(request, cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies));
  const loginDeviceToken = readLoginDeviceCookie(request, ctx);
  const result = await signIn(ctx.db, { ...input.value, now: ctx.now, actor, trustedDeviceToken, loginDeviceToken }, ctx.config);
  if (!result.ok) return resultError(result);
  const outcome = result.value;
  const headers = new Headers();
  if (outcome.loginDevice) headers.append("Set-Cookie", loginDeviceCookie(ctx, outcome.loginDevice));
  if (outcome.kind === "mfa_required") {
    return json(
      {
        status: "mfa_required",
        challenge: outcome.challenge.token,
        expiresAt: outcome.challenge.expiresAt.toISOString(),
        methods: outcome.methods,
      },
      { headers },
    );
  }
  headers.append("Set-Cookie", sessionCookie(ctx, outcome.issued));
  return json(
    { status: "signed_in", user: publicUser(outcome.user), session: publicSession(outcome.issued.session, outcome.issued.session.id) },
    { headers },
  );
});
