import { z } from "zod";
import { route } from "@/app/_lib/route";
import { readBody } from "@/app/_lib/parse";
import { authenticate, sessionCookie } from "@/app/_lib/auth";
import { json, resultError } from "@/lib/http/response";
import { confirmTotp } from "@/lib/mfa/factors";
import { publicSession } from "@/lib/sessions/views";

const body = z.object({ code: z.string().trim().min(1).max(16) });

/**
 * A valid code for the pending secret turns TOTP on: returns the 10 backup codes (this is the
 * only time they are shown), ends the other sessions and re-issues this one at aal2.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return input.response;
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return resultError(auth);
  const actor = ctx.actor;
  const result = await confirmTotp(ctx.db, { session: auth.value.session, user: auth.value.user, code: input.value.code, now: ctx.now, actor }, ctx.config);
  if (!result.ok) return resultError(result);
  const { issued, backupCodes, revokedSessions } = result.value;
  return json(
    { status: "enabled", backupCodes, revokedSessions, session: publicSession(issued.session, issued.session.id) },
    { headers: { "Set-Cookie": sessionCookie(ctx, issued) } },
  );
});
