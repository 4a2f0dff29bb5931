import { z } from "zod";
import { text } from "@/lib/http/text";
import { emailSchema } from "@/lib/users/email";
import { captchaTokenField } from "@/lib/captcha/captcha";

export const body = z.object({
  email: emailSchema,
  password: z.string().min(1).max(4096),
  name: text().trim().min(1).max(200).nullish(),
  captchaToken: captchaTokenField,
});
