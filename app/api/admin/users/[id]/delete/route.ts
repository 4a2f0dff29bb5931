import { route } from "@/app/_lib/handler";
import { adminCommand } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { deleteAccount } from "@/lib/accounts/delete-account";
import { body } from "./schema";

/**
 * Deletes an account as its owner can (policy in lib/accounts/delete-account.ts), with an
 * explicit confirmation. Needs users:write and a recent re-authentication; not one's own
 * account (that is POST /api/auth/account/delete).
 */
export const POST = route<{ id: string }>(async (request, ctx, params) => {
  const command = await adminCommand(request, ctx, params.id, "users:write", body, { confirm: false });
  if (!command.ok) return fail(command);
  if (!command.input.confirm) return fail("invalid_request");
  if (command.targetId === command.auth.user.id) return fail("cannot_target_self");
  const result = await deleteAccount(
    ctx.db,
    {
      userId: command.targetId,
      by: "admin",
      actorId: command.auth.user.id,
      sessionId: command.auth.session.id,
      actor: command.auth.actor,
      now: ctx.now,
    },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ id: command.targetId, status: "deleted", sessionsEnded: result.value.sessionsEnded }), command.auth);
});
