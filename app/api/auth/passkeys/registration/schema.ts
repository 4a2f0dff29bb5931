import { z } from "zod";
import { passkeyNameSchema } from "@/lib/mfa/passkey-schemas";
import { registrationResponseSchema } from "@/lib/mfa/passkey-schemas";

export const body = z.object({ name: passkeyNameSchema, response: registrationResponseSchema });
