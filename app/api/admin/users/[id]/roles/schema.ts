import { z } from "zod";
import { UUID_PATTERN } from "@/lib/admin/search-params";

export const body = z.object({ role: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/) }).strict();

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().regex(UUID_PATTERN) });
