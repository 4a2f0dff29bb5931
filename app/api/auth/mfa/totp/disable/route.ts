import { route } from "@/app/_lib/handler";
import { authenticate, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { disableTotp } from "@/lib/mfa/enrolment";
import { publicSession } from "@/lib/sessions/views";

/**
 * Turns TOTP off (the secret, the backup codes and the trusted devices go), inside the
 * re-authentication window and at aal2; ends the other sessions and re-issues this one.
 */
export const POST = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const result = await disableTotp(
    ctx.db,
    { session: auth.value.session, user: auth.value.user, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  const { issued, revokedSessions } = result.value;
  return json(
    { status: "disabled", revokedSessions, session: publicSession(issued.session, issued.session.id) },
    { headers: { "Set-Cookie": sessionCookie(ctx, issued) } },
  );
});
