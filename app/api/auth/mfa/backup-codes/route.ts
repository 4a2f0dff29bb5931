import { route } from "@/app/_lib/handler";
import { authenticate, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { regenerateBackupCodes } from "@/lib/mfa/enrolment";
import { publicSession } from "@/lib/sessions/views";
import { BACKUP_CODE_COUNT } from "@/lib/mfa/backup-codes";
import { takeHashBudget } from "@/lib/rate-limit/hash-budget";

/**
 * A new set of 10 backup codes (shown this once; every old code stops working), inside the
 * re-authentication window and at aal2; ends the other sessions and re-issues this one.
 */
export const POST = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const budget = await takeHashBudget(
    ctx.db,
    { userId: auth.value.user.id, ip: ctx.actor.ip, cost: BACKUP_CODE_COUNT, now: ctx.now },
    ctx.config,
  );
  if (!budget.ok) return fail(budget);
  const result = await regenerateBackupCodes(
    ctx.db,
    { session: auth.value.session, user: auth.value.user, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  const { issued, backupCodes, revokedSessions } = result.value;
  return json(
    { backupCodes, revokedSessions, session: publicSession(issued.session, issued.session.id) },
    { headers: { "Set-Cookie": sessionCookie(ctx, issued) } },
  );
});
