import { route } from "@/app/_lib/route";
import { readBody } from "@/app/_lib/parse";
import { sessionCookie } from "@/app/_lib/auth";
import { loginDeviceCookie } from "@/app/_lib/login-device";
import { json, resultError } from "@/lib/http/response";
import { cookieName, serializeCookie } from "@/lib/http/cookies";
import { completeSecondStep } from "@/lib/accounts/second-step";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { publicSession, publicUser } from "@/lib/sessions/views";
import { publicTokenPair } from "@/lib/tokens/refresh";
import { body } from "./schema";

/**
 * The second sign-in step: the challenge from POST /api/auth/login plus a TOTP or backup code.
 * Issues a new aal2 session (as a cookie, or as a token pair when the challenge came from
 * POST /api/auth/token); with trustDevice, also a trusted-device cookie that lets this browser
 * skip the step for this user until it expires or is revoked.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return input.response;
  const actor = ctx.actor;
  const result = await completeSecondStep(ctx.db, { ...input.value, now: ctx.now, actor }, ctx.config);
  if (!result.ok) return resultError(result);
  const { user, issued, tokens, device, loginDevice } = result.value;
  const headers = new Headers();
  if (!tokens) headers.append("Set-Cookie", sessionCookie(ctx, issued));
  if (loginDevice) headers.append("Set-Cookie", loginDeviceCookie(ctx, loginDevice));
  if (device) {
    headers.append(
      "Set-Cookie",
      serializeCookie(cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies), device.token, {
        maxAgeSeconds: ctx.config.TRUSTED_DEVICE_TTL_SECONDS,
        secure: ctx.config.secureCookies,
      }),
    );
  }
  if (tokens) return json(publicTokenPair(tokens), { headers });
  return json(
    {
      status: "signed_in",
      user: publicUser(user),
      session: publicSession(issued.session, issued.session.id),
      deviceTrusted: device !== null,
    },
    { headers },
  );
});
