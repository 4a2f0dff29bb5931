import { z } from "zod";
import { text } from "@/lib/http/text";
import { route } from "@/app/_lib/route";
import { readBody } from "@/app/_lib/parse";
import { resultError } from "@/lib/http/response";
import { completePasskeySecondStep } from "@/lib/accounts/second-step";
import { authenticationResponseSchema } from "@/lib/mfa/passkey-schemas";
import { secondStepResponse } from "../second-step-response";

const body = z.object({
  challenge: text().min(1).max(128),
  response: authenticationResponseSchema,
  trustDevice: z.boolean().default(false),
});

/**
 * The second sign-in step answered with a passkey: the MFA challenge plus the assertion made for
 * ./options. The same answer as a code (./route.ts): a new aal2 session, amr ["pwd","hwk"].
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return input.response;
  const result = await completePasskeySecondStep(ctx.db, { ...input.value, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return resultError(result);
  return secondStepResponse(ctx, result.value);
});
