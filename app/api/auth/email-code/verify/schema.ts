import { z } from "zod";
import { emailSchema } from "@/lib/users/email";

export const body = z.object({ email: emailSchema, code: z.string().min(1).max(32) });
