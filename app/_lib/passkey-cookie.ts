/** The pre-authentication cookie a passkey sign-in's challenge is bound to (lib/accounts/passkey-sign-in.ts). */
import type { RequestContext } from "@/lib/http/context";
import { clearCookie, cookieName, readCookie, serializeCookie } from "@/lib/http/cookies";
import { secondsBetween } from "@/lib/clock";

const PASSKEY_COOKIE = "portcullis_passkey";

function name(ctx: RequestContext): string {
  return cookieName(PASSKEY_COOKIE, ctx.config.secureCookies);
}

export function readPasskeyCookie(request: Request, ctx: RequestContext): string | null {
  return readCookie(request, name(ctx));
}

export function passkeyCookie(ctx: RequestContext, token: string, expiresAt: Date): string {
  return serializeCookie(name(ctx), token, {
    maxAgeSeconds: secondsBetween(ctx.now, expiresAt),
    secure: ctx.config.secureCookies,
    sameSite: "Strict",
  });
}

export function clearPasskeyCookie(ctx: RequestContext): string {
  return clearCookie(name(ctx), ctx.config.secureCookies);
}
