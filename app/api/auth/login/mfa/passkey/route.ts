import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { body } from "./schema";
import { fail } from "@/lib/http/response";
import { completePasskeySecondStep } from "@/lib/accounts/second-step";
import { secondStepResponse } from "../second-step-response";

/**
 * The second sign-in step answered with a passkey: the MFA challenge plus the assertion made for
 * ./options. The same answer as a code (./route.ts): a new aal2 session, amr ["pwd","hwk"].
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const result = await completePasskeySecondStep(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  return secondStepResponse(ctx, result.value);
});
