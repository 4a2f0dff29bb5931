import { z } from "zod";
import { text } from "@/lib/http/text";

export const query = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: text().min(1).max(200).optional(),
  })
  .strict();
