import { z } from "zod";
import { CLIENT_ID_PATTERN } from "@/lib/oauth/clients";

/** Path parameters; anything else is simply not found (404, checked in lib/oauth/clients.ts). */
export const pathParams = z.object({ id: z.string().regex(CLIENT_ID_PATTERN) });
