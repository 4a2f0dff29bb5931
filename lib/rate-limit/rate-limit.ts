/**
 * Rate limits stored in Postgres, so they hold across serverless instances: one fixed-window
 * counter per key ("route:kind:value"), advanced by a single atomic upsert, so concurrent
 * requests can never both take the last slot.
 */
import { prepared, sql, type Queryable } from "../db";
import { secondsBetween } from "../clock";
import { ipLimitSubject } from "../http/client-ip";

export interface RateLimitRule {
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitVerdict {
  readonly allowed: boolean;
  readonly count: number;
  readonly retryAfterSeconds: number;
}

const UNLIMITED: RateLimitVerdict = Object.freeze({ allowed: true, count: 0, retryAfterSeconds: 0 });

/**
 * The counting upsert of consumeRateLimit as a fragment, for a statement that counts a hit in the
 * same round trip as the work it limits (refresh rotation). Returns (count, expires_at); inserts
 * nothing for a null key.
 */
export function countHit(key: string | null, rule: RateLimitRule, now: Date, cost = 1) {
  const window = `${rule.windowSeconds} seconds`;
  return sql`
    INSERT INTO rate_limits AS r (key, count, window_start, expires_at)
    SELECT ${key}::text, ${cost}::int, ${now}::timestamptz, ${now}::timestamptz + ${window}::interval WHERE ${key}::text IS NOT NULL
    ON CONFLICT (key) DO UPDATE SET
      count        = CASE WHEN r.expires_at <= ${now} THEN ${cost} ELSE r.count + ${cost} END,
      window_start = CASE WHEN r.expires_at <= ${now} THEN ${now} ELSE r.window_start END,
      expires_at   = CASE WHEN r.expires_at <= ${now} THEN ${now}::timestamptz + ${window}::interval ELSE r.expires_at END
    RETURNING count, expires_at`;
}

/** The verdict on a counted hit: (count, expires_at) as countHit returns them, or null (no key, no limit). */
export function hitVerdict(row: { count: number; expires_at: Date } | null, rule: RateLimitRule, now: Date): RateLimitVerdict {
  if (row === null) return UNLIMITED;
  return { allowed: row.count <= rule.limit, count: row.count, retryAfterSeconds: Math.max(1, secondsBetween(now, row.expires_at)) };
}

/**
 * Counts `cost` hits (one by default) against `key` and says whether the total is within the
 * limit (a null key: no limit). The hits count even when refused: for limits on attempts.
 */
export async function consumeRateLimit(
  q: Queryable,
  key: string | null,
  rule: RateLimitRule,
  now: Date,
  cost = 1,
): Promise<RateLimitVerdict> {
  if (key === null) return UNLIMITED;
  // every rate-limited route sends this one text: planned once per connection
  const { rows } = await q.query<{ count: number; expires_at: Date }>(
    prepared("portcullis_rate_limit_consume", countHit(key, rule, now, cost)),
  );
  return hitVerdict(rows[0]!, rule, now);
}

/**
 * Takes one slot of `key` before the work it limits, in one guarded upsert: refused (allowed
 * false, nothing counted) when the window already holds `limit` slots, so of any number of
 * parallel requests at most `limit` get through. Limits that count only failures give the
 * slot back on success (refundRateLimitSlot).
 */
export async function takeRateLimitSlot(q: Queryable, key: string | null, rule: RateLimitRule, now: Date): Promise<RateLimitVerdict> {
  if (key === null) return UNLIMITED;
  const window = `${rule.windowSeconds} seconds`;
  const { rows } = await q.query<{ count: number; expires_at: Date }>(sql`
    INSERT INTO rate_limits AS r (key, count, window_start, expires_at)
    VALUES (${key}, 1, ${now}, ${now}::timestamptz + ${window}::interval)
    ON CONFLICT (key) DO UPDATE SET
      count        = CASE WHEN r.expires_at <= ${now} THEN 1 ELSE r.count + 1 END,
      window_start = CASE WHEN r.expires_at <= ${now} THEN ${now} ELSE r.window_start END,
      expires_at   = CASE WHEN r.expires_at <= ${now} THEN ${now}::timestamptz + ${window}::interval ELSE r.expires_at END
    WHERE r.expires_at <= ${now} OR r.count < ${rule.limit}
    RETURNING count, expires_at`);
  const row = rows[0];
  if (row) return { allowed: true, count: row.count, retryAfterSeconds: 0 };
  const held = await checkRateLimit(q, key, rule, now);
  return { allowed: false, count: held.count, retryAfterSeconds: Math.max(1, held.retryAfterSeconds) };
}

/** Gives back a slot taken by takeRateLimitSlot (the attempt turned out not to count). */
export async function refundRateLimitSlot(q: Queryable, key: string | null, now: Date): Promise<void> {
  if (key === null) return;
  await q.query(sql`UPDATE rate_limits SET count = count - 1 WHERE key = ${key} AND count > 0 AND expires_at > ${now}`);
}

/** Reads a counter without counting: is `key` already at its limit? (a null key: no limit) */
export async function checkRateLimit(q: Queryable, key: string | null, rule: RateLimitRule, now: Date): Promise<RateLimitVerdict> {
  if (key === null) return UNLIMITED;
  const { rows } = await q.query<{ count: number; expires_at: Date }>(sql`
    SELECT count, expires_at FROM rate_limits WHERE key = ${key} AND expires_at > ${now}`);
  const row = rows[0];
  if (!row) return { allowed: true, count: 0, retryAfterSeconds: 0 };
  return { allowed: row.count < rule.limit, count: row.count, retryAfterSeconds: Math.max(1, secondsBetween(now, row.expires_at)) };
}

/**
 * Limits by route and client IP (IPv6 by /64). A request with no usable IP has no per-IP key
 * (null: the limit does not apply to it; per-account and per-address limits still do). One
 * shared "unknown" bucket would let one such client lock every other one out, and in a
 * deployment configured as docs/security/client-ip.md says, every request carries an address.
 */
export function ipKey(route: string, ip: string | null): string | null {
  return ip === null ? null : `${route}:ip:${ipLimitSubject(ip)}`;
}
