import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { fail } from "@/lib/http/response";
import { completeSecondStep } from "@/lib/accounts/second-step";
import { secondStepResponse } from "./second-step-response";
import { body } from "./schema";

/**
 * The second sign-in step: the challenge from POST /api/auth/login plus a TOTP or backup code.
 * Issues a new aal2 session (as a cookie, or as a token pair when the challenge came from
 * POST /api/auth/token); with trustDevice, also a trusted-device cookie that lets this browser
 * skip the step for this user until it expires or is revoked. A passkey answers the same step
 * through ./passkey.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const result = await completeSecondStep(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  return secondStepResponse(ctx, result.value);
});
