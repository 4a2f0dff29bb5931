import { z } from "zod";
import { UUID_PATTERN } from "@/lib/admin/search-params";

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().regex(UUID_PATTERN), sessionId: z.string().regex(/^[A-Za-z0-9_-]{22}$/) });
