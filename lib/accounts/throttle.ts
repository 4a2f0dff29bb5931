/**
 * Per-identifier sign-in throttle for untrusted clients (checklist #13-#15, #18).
 *
 * Keyed by the subject hash of the normalised email, for real and unknown emails alike, so a
 * lock looks the same whether or not the account exists. After LOGIN_MAX_FAILURES consecutive
 * failures the identifier is locked for LOGIN_LOCK_BASE_SECONDS, doubling with each further
 * lock up to LOGIN_LOCK_MAX_SECONDS (Retry-After says when it ends). After
 * LOGIN_HARD_LOCK_FAILURES failures in total without a success (NIST's 100) the identifier is
 * hard-locked: 429 sign_in_locked, with no Retry-After since waiting does not end it; a
 * password reset, an operator, or a success from a login device (lib/accounts/login-devices.ts)
 * or a live session's re-authentication does. The lock holds only untrusted clients: browsers
 * holding a login-device cookie and signed-in sessions have budgets of their own, so strangers
 * cannot lock the owner out. The total is remembered 30 days after the last failure (the daily
 * cleanup keeps the row that long), so 99 guesses a day reach the cap on the second day.
 * Attempts during a lock are not counted. Success clears the row. Each attempt takes its slot
 * before the hash (takeSignInSlot), never read-then-count.
 */
import { sql, type Queryable } from "../db";
import { secondsBetween } from "../clock";
import type { Config } from "../config";

export type ThrottleConfig = Pick<
  Config,
  "LOGIN_MAX_FAILURES" | "LOGIN_LOCK_BASE_SECONDS" | "LOGIN_LOCK_MAX_SECONDS" | "LOGIN_HARD_LOCK_FAILURES"
>;

export interface ThrottleState {
  readonly locked: boolean;
  /** Locked until a password reset, an operator, or a success from a login device or a live session. */
  readonly hardLocked: boolean;
  /** Until the temporary lock ends; 0 for a hard lock, which has no end to announce. */
  readonly retryAfterSeconds: number;
}

export async function readThrottle(q: Queryable, subject: string, now: Date): Promise<ThrottleState> {
  const { rows } = await q.query<{ locked_until: Date | null; hard_locked: boolean }>(sql`
    SELECT locked_until, hard_locked FROM login_throttles WHERE subject_hash = ${subject}`);
  const row = rows[0];
  if (!row) return { locked: false, hardLocked: false, retryAfterSeconds: 0 };
  if (row.hard_locked) return { locked: true, hardLocked: true, retryAfterSeconds: 0 };
  if (row.locked_until && row.locked_until > now)
    return { locked: true, hardLocked: false, retryAfterSeconds: secondsBetween(now, row.locked_until) };
  return { locked: false, hardLocked: false, retryAfterSeconds: 0 };
}

export type SignInSlot =
  | { readonly taken: true; readonly lockedNow: boolean; readonly lockedUntil: Date | null; readonly hardLocked: boolean }
  | { readonly taken: false; readonly hardLocked: boolean; readonly retryAfterSeconds: number };

/**
 * Takes one attempt's slot for `subject` BEFORE the password is verified, in one guarded
 * upsert: the attempt is counted as a failure (a success clears the row afterwards), and it is
 * refused, counting nothing, while a lock holds. Under concurrency Postgres re-reads the row
 * and re-checks the guard, so of any number of parallel attempts at most LOGIN_MAX_FAILURES
 * are verified before the lock. The attempt that reaches the limit sets the lock (1 min, 2,
 * 4, ... capped, from lock_count) and reports lockedNow.
 */
export async function takeSignInSlot(q: Queryable, subject: string, now: Date, cfg: ThrottleConfig): Promise<SignInSlot> {
  const max = cfg.LOGIN_MAX_FAILURES;
  const { rows } = await q.query<{ locked_until: Date | null; hard_locked: boolean; locked_now: boolean; hard_locked_now: boolean }>(sql`
    INSERT INTO login_throttles AS t (subject_hash, failures, total_failures, lock_count, last_failure_at)
    VALUES (${subject}, 1, 1, 0, ${now})
    ON CONFLICT (subject_hash) DO UPDATE SET
      failures       = CASE WHEN t.failures + 1 >= ${max} THEN 0 ELSE t.failures + 1 END,
      lock_count     = CASE WHEN t.failures + 1 >= ${max} THEN t.lock_count + 1 ELSE t.lock_count END,
      locked_until   = CASE WHEN t.failures + 1 >= ${max}
                         THEN ${now}::timestamptz + make_interval(secs => least(
                           ${cfg.LOGIN_LOCK_BASE_SECONDS}::float8 * power(2, least(t.lock_count, 20)),
                           ${cfg.LOGIN_LOCK_MAX_SECONDS}::float8))
                         ELSE t.locked_until END,
      total_failures = t.total_failures + 1,
      hard_locked    = t.hard_locked OR t.total_failures + 1 >= ${cfg.LOGIN_HARD_LOCK_FAILURES},
      last_failure_at = ${now}
    WHERE NOT t.hard_locked AND (t.locked_until IS NULL OR t.locked_until <= ${now})
    RETURNING t.locked_until, t.hard_locked, t.failures = 0 AS locked_now,
              t.total_failures = ${cfg.LOGIN_HARD_LOCK_FAILURES} AS hard_locked_now`);
  const row = rows[0];
  if (!row) {
    const lock = await readThrottle(q, subject, now);
    return { taken: false, hardLocked: lock.hardLocked, retryAfterSeconds: Math.max(1, lock.retryAfterSeconds) };
  }
  return { taken: true, lockedNow: row.locked_now || row.hard_locked_now, lockedUntil: row.locked_until, hardLocked: row.hard_locked };
}

/** Forgets an identifier's failures and locks; true when there was something to forget. */
export async function clearThrottle(q: Queryable, subject: string): Promise<boolean> {
  const result = await q.query(sql`DELETE FROM login_throttles WHERE subject_hash = ${subject}`);
  return result.rowCount > 0;
}

/** Failed sign-ins of an identifier since its last success (0 when it has none): the same row for unknown addresses. */
export async function identifierFailures(q: Queryable, subject: string): Promise<number> {
  const { rows } = await q.query<{ total_failures: number }>(sql`
    SELECT total_failures FROM login_throttles WHERE subject_hash = ${subject}`);
  return rows[0]?.total_failures ?? 0;
}
