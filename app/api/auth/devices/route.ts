import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { cookieName, readCookie } from "@/lib/http/cookies";
import { listDevices } from "@/lib/mfa/trusted-devices";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";

/** The caller's live trusted devices: ids and metadata, never token material. */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const current = readCookie(request, cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies));
  const devices = await listDevices(ctx.db, auth.value.user.id, current, ctx.now);
  return withAuthCookie(json({ devices }), auth.value);
});
