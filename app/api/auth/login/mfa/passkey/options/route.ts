import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { body } from "./schema";
import { json, fail } from "@/lib/http/response";
import { startPasskeySecondStep } from "@/lib/accounts/second-step";

/**
 * Options for answering the second sign-in step with a passkey: allowCredentials = the account's
 * passkeys, user verification required, a WebAuthn challenge bound to this MFA challenge (single
 * use, short-lived). 409 no_passkeys when the account has none.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const result = await startPasskeySecondStep(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  return json({ options: result.value });
});
