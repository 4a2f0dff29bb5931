import { z } from "zod";
import { emailSchema } from "@/lib/users/email";
import { captchaTokenField } from "@/lib/captcha/captcha";

const credentials = z.object({ email: emailSchema, password: z.string().min(1).max(4096), captchaToken: captchaTokenField }).strict();
export const body = z.union([credentials, z.object({}).strict()]);
