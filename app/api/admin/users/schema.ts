import { z } from "zod";
import { text } from "@/lib/http/text";

export const query = z
  .object({
    q: text().trim().min(1).max(254).optional(),
    status: z.enum(["active", "disabled"]).optional(),
    role: z
      .string()
      .regex(/^[a-z][a-z0-9_]{1,39}$/)
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: text().min(1).max(200).optional(),
  })
  .strict();
