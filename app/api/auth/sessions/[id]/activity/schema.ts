import { z } from "zod";
import { text } from "@/lib/http/text";

export const query = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: text().min(1).max(200).optional(),
  })
  .strict();

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{22}$/) });
