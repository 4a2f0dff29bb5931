import { z } from "zod";
import { UUID_PATTERN } from "@/lib/admin/search-params";

// No field is accepted: an administrator cannot set a password, only send the user a link.
export const body = z.object({}).strict();

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().regex(UUID_PATTERN) });
