/**
 * Token-guess limit (checklist #58): reset, verification and email-change tokens carry 256
 * bits, so guessing one is hopeless, but an IP that keeps presenting invalid tokens is
 * throttled anyway: after TOKEN_FAILURES_PER_IP_PER_HOUR invalid tokens in an hour, the token
 * routes answer 429 with Retry-After, even for a valid token. Only failures count, so a user
 * following their links is never throttled. One bucket for all token routes. Each check takes
 * its slot before the lookup (one guarded upsert) and a valid token gives it back, so parallel
 * guesses cannot check more tokens than the limit (issue 10, item 1).
 */
import type { Config } from "../config";
import type { Queryable } from "../db";
import { ipKey, refundRateLimitSlot, takeRateLimitSlot, type RateLimitVerdict } from "../rate-limit/rate-limit";

const HOUR_SECONDS = 3600;

export type TokenGuessConfig = Pick<Config, "TOKEN_FAILURES_PER_IP_PER_HOUR">;

/** Well-formed tokens are 32 random bytes, base64url: anything else is a failure at once. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function rule(cfg: TokenGuessConfig) {
  return { limit: cfg.TOKEN_FAILURES_PER_IP_PER_HOUR, windowSeconds: HOUR_SECONDS };
}

const key = (ip: string | null) => ipKey("token-failures", ip);

/**
 * Takes this IP's slot for one token check, before the token is looked up: counted as a
 * failure unless refunded, so parallel guesses can never check more than the limit. Refused
 * (allowed false) once the hour holds TOKEN_FAILURES_PER_IP_PER_HOUR failures.
 */
export function takeTokenGuessSlot(q: Queryable, ip: string | null, now: Date, cfg: TokenGuessConfig): Promise<RateLimitVerdict> {
  return takeRateLimitSlot(q, key(ip), rule(cfg), now);
}

/** The token was valid: its check was no guess, give the slot back. */
export function refundTokenGuess(q: Queryable, ip: string | null, now: Date): Promise<void> {
  return refundRateLimitSlot(q, key(ip), now);
}
