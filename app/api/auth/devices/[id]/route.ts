import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { noContent, fail } from "@/lib/http/response";
import { clearCookie, cookieName, readCookie } from "@/lib/http/cookies";
import { deviceIdOf, revokeDevice } from "@/lib/mfa/trusted-devices";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { pathParams } from "./schema";

/** Revokes one of the caller's trusted devices: 204; another user's (or unknown) id: 404. */
export const DELETE = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const id = pathParams.shape.id.safeParse(params.id);
  if (
    !id.success ||
    !(await revokeDevice(ctx.db, {
      userId: auth.value.user.id,
      deviceId: id.data,
      sessionId: auth.value.session.id,
      now: ctx.now,
      actor: ctx.actor,
    }))
  ) {
    return fail("not_found");
  }
  const response = noContent();
  const name = cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies);
  if (deviceIdOf(readCookie(request, name)) === id.data) response.headers.append("Set-Cookie", clearCookie(name, ctx.config.secureCookies));
  return withAuthCookie(response, auth.value);
});
