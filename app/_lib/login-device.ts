/** The login-device cookie (lib/accounts/login-devices.ts): read on the password routes, set by sign-in. */
import type { RequestContext } from "@/lib/http/context";
import { cookieName, readCookie, serializeCookie } from "@/lib/http/cookies";
import { secondsBetween } from "@/lib/clock";
import { LOGIN_DEVICE_COOKIE } from "@/lib/users/login-devices";

export function readLoginDeviceCookie(request: Request, ctx: RequestContext): string | null {
  return readCookie(request, cookieName(LOGIN_DEVICE_COOKIE, ctx.config.secureCookies));
}

export function loginDeviceCookie(ctx: RequestContext, device: { token: string; expiresAt: Date }): string {
  return serializeCookie(cookieName(LOGIN_DEVICE_COOKIE, ctx.config.secureCookies), device.token, {
    maxAgeSeconds: secondsBetween(ctx.now, device.expiresAt),
    secure: ctx.config.secureCookies,
  });
}
