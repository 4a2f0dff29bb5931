import { route } from "@/app/_lib/handler";
import { readBodyWithSession, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { requestEmailChange } from "@/lib/accounts/email-change";
import { body } from "./schema";

/**
 * Asks to move the signed-in account to a new address (needs a recent re-authentication).
 * Nothing changes until the new address confirms through its link; the old address is told.
 * 202 with the same body whether or not the new address is free.
 */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body, { reauth: true });
  if (!parsed.ok) return fail(parsed);
  const { input, auth } = parsed;
  const result = await requestEmailChange(
    ctx.db,
    {
      user: auth.user,
      sessionId: auth.session.id,
      newEmail: input.newEmail,
      now: ctx.now,
      actor: ctx.actor,
    },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  return withAuthCookie(
    json({ status: "pending_confirmation", message: "Confirm the change from the link sent to the new address." }, { status: 202 }),
    auth,
  );
});
