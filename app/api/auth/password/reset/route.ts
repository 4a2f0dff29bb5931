import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { json, fail } from "@/lib/http/response";
import { completePasswordReset } from "@/lib/accounts/password-reset";
import { body } from "./schema";

/**
 * Completes a reset with the token from the emailed link and a new password. Ends every
 * session; does not sign in (no cookie): the user signs in with the new password.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const result = await completePasswordReset(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  return json({ status: "password_reset", message: "Your password was changed. Sign in with the new password." });
});
