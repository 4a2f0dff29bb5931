import { z } from "zod";
import { authenticationResponseSchema } from "@/lib/mfa/passkey-schemas";

export const body = z.object({ response: authenticationResponseSchema });
