import { z } from "zod";
import { emailSchema } from "@/lib/users/email";

export const body = z.object({ email: emailSchema, password: z.string().min(1).max(4096) });
