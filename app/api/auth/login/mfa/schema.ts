import { z } from "zod";
import { text } from "@/lib/http/text";

export const body = z.object({
  challenge: text().min(1).max(128),
  code: text().trim().min(1).max(64),
  trustDevice: z.boolean().default(false),
});
