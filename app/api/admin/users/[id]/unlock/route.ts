import { route } from "@/app/_lib/handler";
import { adminCommand } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { unlockUser } from "@/lib/admin/users";
import { body } from "./schema";

/** Clears the sign-in lock and the second-factor lock. Needs users:write and a recent re-authentication. */
export const POST = route<{ id: string }>(async (request, ctx, params) => {
  const command = await adminCommand(request, ctx, params.id, "users:write", body, {});
  if (!command.ok) return fail(command);
  const result = await unlockUser(ctx.db, command.targetId, command.action);
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ id: command.targetId, ...result.value }), command.auth);
});
