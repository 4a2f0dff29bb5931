import { route } from "@/app/_lib/handler";
import { readBodyWithSession, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { changePassword } from "@/lib/accounts/password-change";
import { publicSession } from "@/lib/sessions/views";
import { passwordChangeHashCost } from "@/lib/config";
import { takeHashBudget } from "@/lib/rate-limit/hash-budget";
import { body } from "./schema";

/**
 * Changes the password of the signed-in user, given the current one. The current session is
 * re-issued under a new id (new cookie, the old token stops working); every other session,
 * trusted device and pending MFA challenge ends. A user with a second factor needs an aal2
 * session or a `code` (TOTP or backup code): 403 mfa_required otherwise.
 */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body);
  if (!parsed.ok) return fail(parsed);
  const { input, auth } = parsed;
  const budget = await takeHashBudget(
    ctx.db,
    { userId: auth.user.id, ip: ctx.actor.ip, cost: passwordChangeHashCost(ctx.config), now: ctx.now },
    ctx.config,
  );
  if (!budget.ok) return fail(budget);
  const result = await changePassword(ctx.db, { ...auth, ...input, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  return json(
    { status: "password_changed", session: publicSession(result.value.session, result.value.session.id) },
    { headers: { "Set-Cookie": sessionCookie(ctx, result.value) } },
  );
});
