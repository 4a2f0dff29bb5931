import { z } from "zod";

export const body = z.object({
  currentPassword: z.string().min(1).max(4096),
  newPassword: z.string().min(1).max(4096),
  code: z.string().trim().min(1).max(32).optional(),
});
