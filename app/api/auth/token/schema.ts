import { z } from "zod";
import { emailSchema } from "@/lib/users/email";

const credentials = z.object({ email: emailSchema, password: z.string().min(1).max(4096) }).strict();
export const body = z.union([credentials, z.object({}).strict()]);
