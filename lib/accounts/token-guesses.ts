/**
 * Token-guess limit (checklist #58): reset, verification and email-change tokens carry 256
 * bits, so guessing one is hopeless, but an IP that keeps presenting invalid tokens is
 * throttled anyway: after TOKEN_FAILURES_PER_IP_PER_HOUR invalid tokens in an hour, the token
 * routes answer 429 with Retry-After, even for a valid token. Only failures count, so a user
 * following their links is never throttled. One bucket for all token routes.
 */
import type { Config } from "../config";
import type { Queryable } from "../db";
import { checkRateLimit, consumeRateLimit, ipKey, type RateLimitVerdict } from "../rate-limit/rate-limit";

const HOUR_SECONDS = 3600;

export type TokenGuessConfig = Pick<Config, "TOKEN_FAILURES_PER_IP_PER_HOUR">;

/** Well-formed tokens are 32 random bytes, base64url: anything else is a failure at once. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function rule(cfg: TokenGuessConfig) {
  return { limit: cfg.TOKEN_FAILURES_PER_IP_PER_HOUR, windowSeconds: HOUR_SECONDS };
}

const key = (ip: string | null) => ipKey("token-failures", ip);

/** Is this IP still allowed to present tokens? Does not count. */
export function checkTokenGuesses(q: Queryable, ip: string | null, now: Date, cfg: TokenGuessConfig): Promise<RateLimitVerdict> {
  return checkRateLimit(q, key(ip), rule(cfg), now);
}

/** Counts one invalid token from this IP. */
export async function recordTokenFailure(q: Queryable, ip: string | null, now: Date, cfg: TokenGuessConfig): Promise<void> {
  await consumeRateLimit(q, key(ip), rule(cfg), now);
}
