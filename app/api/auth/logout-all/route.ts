import { route } from "@/app/_lib/handler";
import { readOptionalBody } from "@/app/_lib/parse";
import { authenticate, clearSessionCookie, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { endAllSessions } from "@/lib/sessions/sign-out";
import { body } from "./schema";

/**
 * Ends every session of the user, the current one included unless keepCurrent is true.
 * Needs a recent re-authentication (403 reauth_required otherwise).
 */
export const POST = route(async (request, ctx) => {
  const input = await readOptionalBody(request, body, { keepCurrent: false });
  if (!input.ok) return fail(input);
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const revoked = await endAllSessions(ctx.db, auth.value.user.id, {
    now: ctx.now,
    actor: ctx.actor,
    keepSessionId: input.value.keepCurrent ? auth.value.session.id : null,
    currentSessionId: auth.value.session.id,
  });
  const response = json({ revoked, keptCurrent: input.value.keepCurrent });
  if (!input.value.keepCurrent) response.headers.append("Set-Cookie", clearSessionCookie(ctx));
  return input.value.keepCurrent ? withAuthCookie(response, auth.value) : response;
});
