/**
 * The CAPTCHA hook (issue 17, docs/security/captcha.md): an optional challenge on sign-up,
 * forgot password, and sign-in after failures, verified server-side against a
 * Turnstile/hCaptcha-compatible siteverify URL (lib/captcha/siteverify.ts).
 *
 * Model: off unless CAPTCHA_SITEVERIFY_URL is set (lib/config.ts then requires the secret, the
 * site key and the widget script). The client sends the widget's token as `captchaToken`.
 * The check runs in the route before any password hash, mail or account lookup, so a refused
 * request costs one HTTP call at most and reveals nothing about accounts.
 *
 * Threat: scripted sign-ups, reset-mail floods and credential stuffing. Sign-in asks only once
 * the address or the IP has CAPTCHA_SIGN_IN_AFTER_FAILURES failures: both counters exist for
 * unknown addresses too (login_throttles is keyed by the subject hash), so whether the
 * challenge is asked never depends on whether an account exists. The decision reads the
 * counters without taking a slot: requests racing past the threshold are still held by the
 * sign-in throttles themselves, which take their slots atomically (lib/accounts/sign-in.ts).
 *
 * When siteverify gives no usable answer: fail closed by default (503 captcha_unavailable with
 * Retry-After), or with CAPTCHA_FAIL_OPEN let the request through and log it as such.
 */
import { z } from "zod";
import type { Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import { checkRateLimit, ipKey } from "../rate-limit/rate-limit";
import { subjectHash } from "../users/email";
import { identifierFailures } from "../accounts/throttle";
import { CAPTCHA_TOKEN_MAX_CHARS, verifyCaptchaToken, type CaptchaOutcome } from "./siteverify";
import { siteverifySettings, type CaptchaConfig } from "./widget";

export type { CaptchaOutcome };

/** The request-body field that carries the widget's token (optional: required only when asked). */
export const captchaTokenField = z.string().min(1).max(CAPTCHA_TOKEN_MAX_CHARS).optional();

export type CaptchaFlow = "sign_up" | "sign_in" | "password_forgot";

/** Retry-After of a fail-closed 503: long enough for a provider blip, short enough to retry by hand. */
export const CAPTCHA_UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

/**
 * Whether a sign-in for `email` from `ip` must carry a token: the address's failures since its
 * last success, or the IP's failures in the current window, reached the threshold. Both rows
 * exist for unknown addresses alike; no account is looked up.
 */
export async function signInNeedsCaptcha(q: Queryable, email: string, ip: string | null, now: Date, cfg: CaptchaConfig): Promise<boolean> {
  const threshold = cfg.CAPTCHA_SIGN_IN_AFTER_FAILURES;
  if (threshold === 0) return true;
  if ((await identifierFailures(q, subjectHash(email))) >= threshold) return true;
  const ipFailures = await checkRateLimit(
    q,
    ipKey("login-failures", ip),
    { limit: threshold, windowSeconds: cfg.IP_LOGIN_WINDOW_SECONDS },
    now,
  );
  return ipFailures.count >= threshold;
}

export interface CaptchaCheck {
  readonly flow: CaptchaFlow;
  readonly token: string | null | undefined;
  /** The address the request is about (sign-in's counters are keyed by it). */
  readonly email: string;
  readonly ip: string | null;
  readonly now: Date;
  readonly requestId?: string;
}

/** Logged (one JSON line) whenever siteverify gave no usable answer, with what was done about it. */
function logUnavailable(input: CaptchaCheck, failOpen: boolean): void {
  console.warn(
    JSON.stringify({
      level: "warn",
      event: "captcha.unavailable",
      flow: input.flow,
      outcome: failOpen ? "allowed_fail_open" : "refused_fail_closed",
      requestId: input.requestId ?? null,
    }),
  );
}

/**
 * The whole check for one request: ok when the CAPTCHA is off, not asked (sign-in below the
 * threshold) or passed; captcha_required without a token, captcha_failed when the provider
 * refuses it, captcha_unavailable (fail closed) when it cannot say.
 */
export async function checkCaptcha(
  q: Queryable,
  input: CaptchaCheck,
  cfg: CaptchaConfig,
  fetcher: typeof fetch = fetch,
): Promise<Result<void>> {
  const settings = siteverifySettings(cfg);
  if (!settings) return ok(undefined);
  if (input.flow === "sign_in" && !(await signInNeedsCaptcha(q, input.email, input.ip, input.now, cfg))) return ok(undefined);
  if (!input.token) return err("captcha_required");
  const outcome = await verifyCaptchaToken(input.token, input.ip, settings, fetcher);
  if (outcome === "pass") return ok(undefined);
  if (outcome === "fail") return err("captcha_failed");
  logUnavailable(input, cfg.CAPTCHA_FAIL_OPEN);
  return cfg.CAPTCHA_FAIL_OPEN ? ok(undefined) : err("captcha_unavailable", CAPTCHA_UNAVAILABLE_RETRY_AFTER_SECONDS);
}
