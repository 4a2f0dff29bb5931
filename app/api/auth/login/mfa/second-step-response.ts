/**
 * The answer of a completed second step, whichever method answered it (a code: ./route.ts; a
 * passkey: ./passkey/route.ts): the session cookie or the token pair, the login-device cookie,
 * and the trusted-device cookie when asked for.
 */
import type { RequestContext } from "@/lib/http/context";
import { sessionCookie } from "@/app/_lib/auth";
import { loginDeviceCookie } from "@/app/_lib/login-device";
import { signedInBody } from "@/app/_lib/sign-in";
import { json } from "@/lib/http/response";
import { cookieName, serializeCookie } from "@/lib/http/cookies";
import type { SecondStepDone } from "@/lib/accounts/second-step";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { publicTokenPair } from "@/lib/tokens/refresh";

export function secondStepResponse(ctx: RequestContext, done: SecondStepDone): Response {
  const { user, issued, tokens, device, loginDevice } = done;
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
  return json({ ...signedInBody(user, issued), deviceTrusted: device !== null }, { headers });
}
