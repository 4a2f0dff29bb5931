import { z } from "zod";
import { CLIENT_ID_PATTERN } from "@/lib/oauth/clients";

/** Path parameters; anything else is simply not found (404, checked in lib/oauth/consents.ts). */
export const pathParams = z.object({ clientId: z.string().regex(CLIENT_ID_PATTERN) });
