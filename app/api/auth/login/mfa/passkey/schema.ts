import { z } from "zod";
import { text } from "@/lib/http/text";
import { authenticationResponseSchema } from "@/lib/mfa/passkey-schemas";

export const body = z.object({
  challenge: text().min(1).max(128),
  response: authenticationResponseSchema,
  trustDevice: z.boolean().default(false),
});
