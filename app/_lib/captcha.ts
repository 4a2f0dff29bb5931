/**
 * The CAPTCHA check as a route sees it (lib/captcha/captcha.ts decides): ok to go on, or the
 * failure to answer with (400 captcha_required, 403 captcha_failed, 503 captcha_unavailable
 * with Retry-After). Called before any password hash, account lookup or mail.
 */
import type { RequestContext } from "@/lib/http/context";
import type { Result } from "@/lib/errors";
import { checkCaptcha, type CaptchaFlow } from "@/lib/captcha/captcha";

export function captchaCheck(
  ctx: RequestContext,
  flow: CaptchaFlow,
  body: { readonly email: string; readonly captchaToken?: string },
): Promise<Result<void>> {
  return checkCaptcha(
    ctx.db,
    { flow, token: body.captchaToken, email: body.email, ip: ctx.ip, now: ctx.now, requestId: ctx.requestId },
    ctx.config,
  );
}
