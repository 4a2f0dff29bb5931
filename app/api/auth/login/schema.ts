import { z } from "zod";
import { emailSchema } from "@/lib/users/email";
import { captchaTokenField } from "@/lib/captcha/captcha";

export const body = z.object({ email: emailSchema, password: z.string().min(1).max(4096), captchaToken: captchaTokenField });
