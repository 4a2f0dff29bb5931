/**
 * Rate limits stored in Postgres, so they hold across serverless instances: one fixed-window
 * counter per key ("route:kind:value"), advanced by a single atomic upsert, so concurrent
 * requests can never both take the last slot.
 */
import { sql, type Queryable } from "../db";
import { secondsBetween } from "../clock";

export interface RateLimitRule {
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitVerdict {
  readonly allowed: boolean;
  readonly count: number;
  readonly retryAfterSeconds: number;
}

/** Counts one hit against `key` and says whether it is within the limit. */
export async function consumeRateLimit(q: Queryable, key: string, rule: RateLimitRule, now: Date): Promise<RateLimitVerdict> {
  const window = `${rule.windowSeconds} seconds`;
  const { rows } = await q.query<{ count: number; expires_at: Date }>(sql`
    INSERT INTO rate_limits AS r (key, count, window_start, expires_at)
    VALUES (${key}, 1, ${now}, ${now}::timestamptz + ${window}::interval)
    ON CONFLICT (key) DO UPDATE SET
      count        = CASE WHEN r.expires_at <= ${now} THEN 1 ELSE r.count + 1 END,
      window_start = CASE WHEN r.expires_at <= ${now} THEN ${now} ELSE r.window_start END,
      expires_at   = CASE WHEN r.expires_at <= ${now} THEN ${now}::timestamptz + ${window}::interval ELSE r.expires_at END
    RETURNING count, expires_at`);
  const row = rows[0]!;
  return { allowed: row.count <= rule.limit, count: row.count, retryAfterSeconds: Math.max(1, secondsBetween(now, row.expires_at)) };
}

/**
 * Takes one slot of `key` before the work it limits, in one guarded upsert: refused (allowed
 * false, nothing counted) when the window already holds `limit` slots, so of any number of
 * parallel requests at most `limit` get through. Limits that count only failures give the
 * slot back on success (refundRateLimitSlot).
 */
export async function takeRateLimitSlot(q: Queryable, key: string, rule: RateLimitRule, now: Date): Promise<RateLimitVerdict> {
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
export async function refundRateLimitSlot(q: Queryable, key: string, now: Date): Promise<void> {
  await q.query(sql`UPDATE rate_limits SET count = count - 1 WHERE key = ${key} AND count > 0 AND expires_at > ${now}`);
}

/** Reads a counter without counting: is `key` already at its limit? */
export async function checkRateLimit(q: Queryable, key: string, rule: RateLimitRule, now: Date): Promise<RateLimitVerdict> {
  const { rows } = await q.query<{ count: number; expires_at: Date }>(sql`
    SELECT count, expires_at FROM rate_limits WHERE key = ${key} AND expires_at > ${now}`);
  const row = rows[0];
  if (!row) return { allowed: true, count: 0, retryAfterSeconds: 0 };
  return { allowed: row.count < rule.limit, count: row.count, retryAfterSeconds: Math.max(1, secondsBetween(now, row.expires_at)) };
}

/** Limits by route and client IP; a request with no known IP shares the "unknown" bucket. */
export function ipKey(route: string, ip: string | null): string {
  return `${route}:ip:${ip ?? "unknown"}`;
}
