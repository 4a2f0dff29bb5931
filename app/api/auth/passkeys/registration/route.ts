import { route } from "@/app/_lib/handler";
import { readBodyWithSession, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { finishPasskeyRegistration, publicPasskey } from "@/lib/mfa/passkeys";
import { publicSession } from "@/lib/sessions/views";
import { body } from "./schema";

/**
 * The authenticator's answer to the creation options: stores the passkey (201), ends the other
 * sessions and re-issues this one; a notice goes to the account's address.
 */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body, { reauth: true });
  if (!parsed.ok) return fail(parsed);
  const { input, auth } = parsed;
  const result = await finishPasskeyRegistration(
    ctx.db,
    { session: auth.session, user: auth.user, now: ctx.now, actor: ctx.actor, name: input.name, response: input.response },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  const { passkey, issued, revokedSessions } = result.value;
  return json(
    { status: "registered", passkey: publicPasskey(passkey), revokedSessions, session: publicSession(issued.session, issued.session.id) },
    { status: 201, headers: { "Set-Cookie": sessionCookie(ctx, issued) } },
  );
});
