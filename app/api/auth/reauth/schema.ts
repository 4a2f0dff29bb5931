import { z } from "zod";
import { text } from "@/lib/http/text";

export const body = z.object({
  password: z.string().min(1).max(4096),
  code: text().trim().min(6).max(32).optional(),
});
