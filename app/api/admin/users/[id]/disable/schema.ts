import { z } from "zod";
import { UUID_PATTERN } from "@/lib/admin/search-params";
import { text } from "@/lib/http/text";

export const body = z.object({ reason: text().trim().min(1).max(500).optional() }).strict();

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().regex(UUID_PATTERN) });
