import { z } from "zod";
import { route } from "@/app/_lib/route";
import { readOptionalBody } from "@/app/_lib/parse";
import { adminAction, refusal, requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, resultError } from "@/lib/http/response";
import { parseUuid } from "@/lib/admin/search-params";
import { sendPasswordResetEmail } from "@/lib/admin/password-reset";

// No field is accepted: an administrator cannot set a password, only send the user a link.
const body = z.object({}).strict();

/**
 * Emails the user a password-reset link; the response never contains it. Needs
 * sessions:revoke (the account-recovery permission support staff hold) and a recent re-authentication.
 */
export const POST = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "sessions:revoke", { reauth: true });
  if (!auth.ok) return refusal(auth);
  const input = await readOptionalBody(request, body, {});
  if (!input.ok) return input.response;
  const id = parseUuid(params.id);
  if (!id.ok) return resultError(id);
  const action = adminAction(auth.value, ctx.now);
  const result = await sendPasswordResetEmail(ctx.db, id.value, action, ctx.config);
  if (!result.ok) return resultError(result);
  return withAuthCookie(json({ id: id.value, sent: true }, { status: 202 }), auth.value);
});
