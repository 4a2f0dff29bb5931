import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { startTotpSetup } from "@/lib/mfa/enrolment";

/**
 * Starts (or restarts) TOTP enrolment inside the re-authentication window: a new secret, its
 * otpauth:// URI and a QR code (SVG), shown this once. MFA stays off until /confirm.
 */
export const POST = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const result = await startTotpSetup(
    ctx.db,
    { session: auth.value.session, user: auth.value.user, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  const { secret, uri, qrCodeSvg } = result.value;
  return withAuthCookie(json({ status: "pending", secret, uri, qrCodeSvg }), auth.value);
});
