import { route } from "@/app/_lib/route";
import { readBody } from "@/app/_lib/parse";
import { sessionCookie } from "@/app/_lib/auth";
import { loginDeviceCookie } from "@/app/_lib/login-device";
import { json, jsonError, resultError } from "@/lib/http/response";
import { cookieName, readCookie } from "@/lib/http/cookies";
import { signInWithEmailCode } from "@/lib/accounts/email-code";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { publicSession, publicUser } from "@/lib/sessions/views";
import { body } from "./schema";

/**
 * Signs in with an emailed code: the same answers as POST /api/auth/login (signed_in with the
 * session cookie, or mfa_required with a challenge for POST /api/auth/login/mfa); every wrong,
 * spent, expired or unknown code is 401 invalid_sign_in_code.
 */
export const POST = route(async (request, ctx) => {
  if (!ctx.config.EMAIL_SIGN_IN_CODES) return jsonError("email_codes_disabled");
  const input = await readBody(request, body);
  if (!input.ok) return input.response;
  const trustedDeviceToken = readCookie(request, cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies));
  const result = await signInWithEmailCode(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor, trustedDeviceToken }, ctx.config);
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
