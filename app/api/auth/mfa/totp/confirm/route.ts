import { route } from "@/app/_lib/handler";
import { readBodyWithSession, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { confirmTotp } from "@/lib/mfa/enrolment";
import { publicSession } from "@/lib/sessions/views";
import { BACKUP_CODE_COUNT } from "@/lib/mfa/backup-codes";
import { takeHashBudget } from "@/lib/rate-limit/hash-budget";
import { body } from "./schema";

/**
 * A valid code for the pending secret turns TOTP on: returns the 10 backup codes (this is the
 * only time they are shown), ends the other sessions and re-issues this one at aal2.
 */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body);
  if (!parsed.ok) return fail(parsed);
  const { input, auth } = parsed;
  const budget = await takeHashBudget(
    ctx.db,
    { userId: auth.user.id, ip: ctx.actor.ip, cost: BACKUP_CODE_COUNT, now: ctx.now },
    ctx.config,
  );
  if (!budget.ok) return fail(budget);
  const result = await confirmTotp(
    ctx.db,
    { session: auth.session, user: auth.user, code: input.code, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  const { issued, backupCodes, revokedSessions } = result.value;
  return json(
    { status: "enabled", backupCodes, revokedSessions, session: publicSession(issued.session, issued.session.id) },
    { headers: { "Set-Cookie": sessionCookie(ctx, issued) } },
  );
});
