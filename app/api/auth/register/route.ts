import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { json, fail } from "@/lib/http/response";
import { register } from "@/lib/accounts/register";
import { shapeOf } from "@/lib/passwords/check";
import { captchaCheck } from "@/app/_lib/captcha";
import { body } from "./schema";

/** 201 whether or not the email already had an account (the owner is told by email). */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const shape = shapeOf(input.value.password, input.value.email, ctx.config);
  if (!shape.ok) return fail(shape);
  const captcha = await captchaCheck(ctx, "sign_up", input.value);
  if (!captcha.ok) return fail(captcha);
  const result = await register(
    ctx.db,
    { email: input.value.email, password: input.value.password, name: input.value.name ?? null, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  if (!result.ok) return fail(result);
  return json({ status: "pending_verification", message: "Check your email to continue." }, { status: 201 });
});
