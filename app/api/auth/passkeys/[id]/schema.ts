import { z } from "zod";
import { passkeyNameSchema } from "@/lib/mfa/passkey-schemas";

export const body = z.object({ name: passkeyNameSchema });

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.uuid() });
