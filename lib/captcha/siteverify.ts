/**
 * One call to a Turnstile/hCaptcha-compatible `siteverify` endpoint: POST
 * application/x-www-form-urlencoded `secret`, `response` (the widget's token) and `remoteip`,
 * answered with JSON `{ "success": boolean, "error-codes"?: string[], ... }`. Both Cloudflare
 * Turnstile and hCaptcha speak this shape, so no client library is needed (and none is added).
 *
 * Three outcomes: pass, fail (the provider looked at the token and said no), unavailable (no
 * usable answer in time: timeout, network error, non-200, a body that is not that JSON). The
 * caller decides what unavailable means (CAPTCHA_FAIL_OPEN). A token is single-use at the
 * provider, so a replayed token fails there; the secret never leaves the server.
 */
import { z } from "zod";

export type CaptchaOutcome = "pass" | "fail" | "unavailable";

export interface SiteverifySettings {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

/** Turnstile documents tokens of up to 2048 characters; hCaptcha's are shorter. */
export const CAPTCHA_TOKEN_MAX_CHARS = 4096;

const siteverifyAnswer = z.object({ success: z.boolean(), "error-codes": z.array(z.string()).optional() });

/** Reads a siteverify answer body: pass / fail, or unavailable when it is not the documented JSON. */
export function parseSiteverifyAnswer(body: string): CaptchaOutcome {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return "unavailable";
  }
  const parsed = siteverifyAnswer.safeParse(data);
  if (!parsed.success) return "unavailable";
  return parsed.data.success ? "pass" : "fail";
}

export async function verifyCaptchaToken(
  token: string,
  ip: string | null,
  settings: SiteverifySettings,
  fetcher: typeof fetch = fetch,
): Promise<CaptchaOutcome> {
  if (token.length === 0 || token.length > CAPTCHA_TOKEN_MAX_CHARS) return "fail";
  const form = new URLSearchParams({ secret: settings.secret, response: token });
  if (ip !== null) form.set("remoteip", ip);
  try {
    const response = await fetcher(settings.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
      redirect: "error",
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    if (response.status !== 200) return "unavailable";
    return parseSiteverifyAnswer(await response.text());
  } catch {
    return "unavailable";
  }
}
