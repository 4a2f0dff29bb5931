import { z } from "zod";
import { UUID_PATTERN } from "@/lib/admin/search-params";

// An explicit confirmation: an empty or stray request never deletes anything.
export const body = z.object({ confirm: z.boolean() }).strict();

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().regex(UUID_PATTERN) });
