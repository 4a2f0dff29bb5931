import { z } from "zod";
import { text } from "@/lib/http/text";
import { UUID_PATTERN } from "@/lib/admin/search-params";

export const query = z
  .object({
    user: z
      .string()
      .regex(UUID_PATTERN)
      .transform((s) => s.toLowerCase())
      .optional(),
    event: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*$/)
      .max(64)
      .optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    from: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s))
      .optional(),
    to: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s))
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: text().min(1).max(200).optional(),
  })
  .strict();
