import { route } from "@/app/_lib/handler";
import { adminCommand } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { sendPasswordResetEmail } from "@/lib/admin/password-reset";
import { body } from "./schema";

/**
 * Emails the user a password-reset link; the response never contains it. Needs
 * sessions:revoke (the account-recovery permission support staff hold) and a recent re-authentication.
 */
export const POST = route<{ id: string }>(async (request, ctx, params) => {
  const command = await adminCommand(request, ctx, params.id, "sessions:revoke", body, {});
  if (!command.ok) return fail(command);
  const result = await sendPasswordResetEmail(ctx.db, command.targetId, command.action, ctx.config);
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ id: command.targetId, sent: true }, { status: 202 }), command.auth);
});
