/**
 * One function per SQL statement on second factors: mfa_factors, mfa_backup_codes,
 * mfa_challenges and the second-factor failure counter on users. snake_case rows become
 * camelCase here.
 */
import { sql, type Queryable } from "../db";

export interface FactorRecord {
  readonly id: string;
  readonly userId: string;
  readonly status: "pending" | "active";
  readonly encryptedSecret: string;
  readonly lastUsedStep: number | null;
  readonly createdAt: Date;
  readonly confirmedAt: Date | null;
}

interface FactorRow {
  id: string;
  user_id: string;
  status: "pending" | "active";
  encrypted_secret: string;
  last_used_step: string | number | null;
  created_at: Date;
  confirmed_at: Date | null;
}

const toFactor = (r: FactorRow): FactorRecord => ({
  id: r.id,
  userId: r.user_id,
  status: r.status,
  encryptedSecret: r.encrypted_secret,
  lastUsedStep: r.last_used_step === null ? null : Number(r.last_used_step),
  createdAt: r.created_at,
  confirmedAt: r.confirmed_at,
});

export async function findFactor(q: Queryable, userId: string, status: "pending" | "active"): Promise<FactorRecord | null> {
  const { rows } = await q.query<FactorRow>(sql`
    SELECT id, user_id, status, encrypted_secret, last_used_step, created_at, confirmed_at
    FROM mfa_factors WHERE user_id = ${userId} AND type = 'totp' AND status = ${status}`);
  return rows[0] ? toFactor(rows[0]) : null;
}

/** Locks the user's active factor for the rest of the transaction (serialises MFA changes). */
export async function lockActiveFactor(q: Queryable, userId: string): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(sql`
    SELECT id FROM mfa_factors WHERE user_id = ${userId} AND type = 'totp' AND status = 'active' FOR UPDATE`);
  return rows[0]?.id ?? null;
}

/**
 * Creates the pending factor, or replaces it (a new id and a new secret): one statement, so
 * parallel setups leave exactly one pending row, and a confirmation guarded by the old id
 * cannot activate the new secret.
 */
export async function upsertPendingFactor(q: Queryable, userId: string, encryptedSecret: string, now: Date): Promise<string> {
  const { rows } = await q.query<{ id: string }>(sql`
    INSERT INTO mfa_factors (user_id, type, status, encrypted_secret, created_at)
    VALUES (${userId}, 'totp', 'pending', ${encryptedSecret}, ${now})
    ON CONFLICT (user_id, type) WHERE status = 'pending'
    DO UPDATE SET id = gen_random_uuid(), encrypted_secret = EXCLUDED.encrypted_secret, created_at = EXCLUDED.created_at,
      last_used_step = NULL
    RETURNING id`);
  return rows[0]!.id;
}

/** Pending -> active, with the confirming code's step as the last used one. */
export async function activateFactor(q: Queryable, id: string, step: number, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE mfa_factors SET status = 'active', confirmed_at = ${now}, last_used_step = ${step}
    WHERE id = ${id} AND status = 'pending'`);
  return result.rowCount === 1;
}

/**
 * The replay guard: records `step` as used only if it is later than every step used before.
 * Of two parallel submissions of one code, exactly one updates the row.
 */
export async function claimTotpStep(q: Queryable, id: string, step: number): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE mfa_factors SET last_used_step = ${step}
    WHERE id = ${id} AND status = 'active' AND (last_used_step IS NULL OR last_used_step < ${step})`);
  return result.rowCount === 1;
}

/** Removes every TOTP factor of the user (active and pending); the number of active ones removed. */
export async function deleteFactors(q: Queryable, userId: string): Promise<number> {
  const { rows } = await q.query<{ status: string }>(sql`
    DELETE FROM mfa_factors WHERE user_id = ${userId} AND type = 'totp' RETURNING status`);
  return rows.filter((r) => r.status === "active").length;
}

/** Whether the user has an active second factor (any type). */
export async function hasActiveFactor(q: Queryable, userId: string): Promise<boolean> {
  const { rows } = await q.query<{ present: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = ${userId} AND status = 'active') AS present`);
  return rows[0]?.present === true;
}

/**
 * What the user has enrolled for a second step: an active factor, a passkey (webauthn_credentials).
 * One statement, so the answer never mixes two moments.
 */
export async function findSecondStepEnrolment(q: Queryable, userId: string): Promise<{ totp: boolean; passkey: boolean }> {
  const { rows } = await q.query<{ totp: boolean; passkey: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = ${userId} AND status = 'active') AS totp,
           EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = ${userId}) AS passkey`);
  const row = rows[0];
  return { totp: row?.totp === true, passkey: row?.passkey === true };
}

export interface BackupCodeRecord {
  readonly id: number;
  readonly codeHash: string;
  readonly usedAt: Date | null;
}

export async function findBackupCode(q: Queryable, userId: string, lookup: string): Promise<BackupCodeRecord | null> {
  const { rows } = await q.query<{ id: string | number; code_hash: string; used_at: Date | null }>(sql`
    SELECT id, code_hash, used_at FROM mfa_backup_codes WHERE user_id = ${userId} AND lookup = ${lookup}`);
  const row = rows[0];
  return row ? { id: Number(row.id), codeHash: row.code_hash, usedAt: row.used_at } : null;
}

export async function markBackupCodeUsed(q: Queryable, id: number, now: Date): Promise<boolean> {
  const result = await q.query(sql`UPDATE mfa_backup_codes SET used_at = ${now} WHERE id = ${id} AND used_at IS NULL`);
  return result.rowCount === 1;
}

export async function deleteBackupCodes(q: Queryable, userId: string): Promise<number> {
  const result = await q.query(sql`DELETE FROM mfa_backup_codes WHERE user_id = ${userId}`);
  return result.rowCount;
}

export async function insertBackupCodes(
  q: Queryable,
  userId: string,
  codes: readonly { lookup: string; codeHash: string }[],
  now: Date,
): Promise<void> {
  await q.query(sql`
    INSERT INTO mfa_backup_codes (user_id, lookup, code_hash, created_at)
    SELECT ${userId}, lookup, code_hash, ${now}
    FROM unnest(${codes.map((c) => c.lookup)}::text[], ${codes.map((c) => c.codeHash)}::text[]) AS c (lookup, code_hash)`);
}

export async function countUnusedBackupCodes(q: Queryable, userId: string): Promise<number> {
  const { rows } = await q.query<{ remaining: string | number }>(sql`
    SELECT count(*) AS remaining FROM mfa_backup_codes WHERE user_id = ${userId} AND used_at IS NULL`);
  return Number(rows[0]?.remaining ?? 0);
}

export interface NewMfaChallenge {
  readonly id: string;
  readonly secretHash: string;
  readonly userId: string;
  readonly purpose: "login" | "token";
  readonly now: Date;
  readonly expiresAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly firstFactor: "pwd" | "fed" | "email";
}

export async function insertMfaChallenge(q: Queryable, c: NewMfaChallenge): Promise<void> {
  await q.query(sql`
    INSERT INTO mfa_challenges (id, secret_hash, user_id, purpose, created_at, expires_at, ip, user_agent, first_factor)
    VALUES (${c.id}, ${c.secretHash}, ${c.userId}, ${c.purpose}, ${c.now}, ${c.expiresAt}, ${c.ip}, ${c.userAgent},
            ${c.firstFactor})`);
}

export interface MfaChallengeRecord {
  readonly id: string;
  readonly secretHash: string;
  readonly userId: string;
  readonly purpose: "login" | "token";
  readonly firstFactor: "pwd" | "fed" | "email";
}

/** An unspent, unexpired challenge by id, with its secret hash to verify (does not spend it). */
export async function findLiveMfaChallenge(q: Queryable, id: string, now: Date): Promise<MfaChallengeRecord | null> {
  const { rows } = await q.query<{
    id: string;
    secret_hash: string;
    user_id: string;
    purpose: "login" | "token";
    first_factor: "pwd" | "fed" | "email";
  }>(sql`
    SELECT id, secret_hash, user_id, purpose, first_factor FROM mfa_challenges
    WHERE id = ${id} AND used_at IS NULL AND expires_at > ${now}`);
  const row = rows[0];
  return row ? { id: row.id, secretHash: row.secret_hash, userId: row.user_id, purpose: row.purpose, firstFactor: row.first_factor } : null;
}

/** Spends a challenge; false if another request spent it first. */
export async function markMfaChallengeUsed(q: Queryable, id: string, now: Date): Promise<boolean> {
  const result = await q.query(sql`UPDATE mfa_challenges SET used_at = ${now} WHERE id = ${id} AND used_at IS NULL`);
  return result.rowCount === 1;
}

/** Spends every unspent challenge of a user: how many. */
export async function markUserMfaChallengesUsed(q: Queryable, userId: string, now: Date): Promise<number> {
  const result = await q.query(sql`UPDATE mfa_challenges SET used_at = ${now} WHERE user_id = ${userId} AND used_at IS NULL`);
  return result.rowCount;
}

export interface AttemptSlot {
  /** Failures counted so far, this attempt included (it is refunded on success). */
  readonly failures: number;
  /** Set when this attempt is the max-th: the block that holds unless it succeeds. */
  readonly lockedUntil: Date | null;
}

export interface SecondFactorLockRule {
  readonly maxFailures: number;
  /** The first block; each further block in a row (no success between) doubles it. */
  readonly lockSeconds: number;
  readonly maxLockSeconds: number;
}

/**
 * Takes one second-factor attempt for the user, counted as a failure until it succeeds; the
 * max-th attempt also sets the block, which a success lifts. Refused (null) while a block
 * holds, so even parallel guesses cannot exceed the limit, and a request that dies mid-way
 * can never leave the factor blocked for longer than one block. A block that has run out (or
 * was lifted by an operator) starts a fresh count, but the blocks escalate: the n-th block in
 * a row lasts lockSeconds * 2^(n-1), capped at maxLockSeconds (mfa_lock_count, reset by a
 * success or an operator).
 */
export async function takeAttemptSlot(q: Queryable, userId: string, rule: SecondFactorLockRule, now: Date): Promise<AttemptSlot | null> {
  // One UPDATE: under concurrency Postgres re-reads the row and re-evaluates both the guard
  // and the new values, so each attempt sees the count the previous one left.
  const max = rule.maxFailures;
  const nextCount = sql`CASE WHEN mfa_locked_until IS NOT NULL OR mfa_failed_count >= ${max} THEN 1 ELSE mfa_failed_count + 1 END`;
  const blockSeconds = sql`least(${rule.lockSeconds}::float8 * power(2, least(mfa_lock_count, 30)), ${rule.maxLockSeconds}::float8)`;
  const { rows } = await q.query<{ mfa_failed_count: number; mfa_locked_until: Date | null }>(sql`
    UPDATE users SET
      mfa_failed_count = ${nextCount},
      mfa_locked_until = CASE WHEN ${nextCount} >= ${max} THEN ${now}::timestamptz + make_interval(secs => ${blockSeconds}) ELSE NULL END,
      mfa_lock_count   = CASE WHEN ${nextCount} >= ${max} THEN mfa_lock_count + 1 ELSE mfa_lock_count END
    WHERE id = ${userId} AND (mfa_locked_until IS NULL OR mfa_locked_until <= ${now})
    RETURNING mfa_failed_count, mfa_locked_until`);
  const row = rows[0];
  return row ? { failures: row.mfa_failed_count, lockedUntil: row.mfa_locked_until } : null;
}

/**
 * Gives an attempt's slot back: the attempt was no guess (a correct code that lost the replay
 * race to a parallel submission of the same code). The block this very slot set, if any, is
 * lifted with it, and so is the escalation step it took.
 */
export async function refundAttemptSlot(q: Queryable, userId: string, slot: AttemptSlot): Promise<void> {
  await q.query(sql`
    UPDATE users SET
      mfa_failed_count = greatest(mfa_failed_count - 1, 0),
      mfa_lock_count   = CASE WHEN mfa_locked_until = ${slot.lockedUntil}::timestamptz
                         THEN greatest(mfa_lock_count - 1, 0) ELSE mfa_lock_count END,
      mfa_locked_until = CASE WHEN mfa_locked_until = ${slot.lockedUntil}::timestamptz THEN NULL ELSE mfa_locked_until END
    WHERE id = ${userId}`);
}

/** When the user's second factor is blocked until (null: not blocked). */
export async function findMfaLock(q: Queryable, userId: string): Promise<Date | null> {
  const { rows } = await q.query<{ mfa_locked_until: Date | null }>(sql`SELECT mfa_locked_until FROM users WHERE id = ${userId}`);
  return rows[0]?.mfa_locked_until ?? null;
}

/** A verified factor: the count goes back to zero and any block ends. */
export async function resetSecondFactorFailures(q: Queryable, userId: string): Promise<void> {
  await q.query(sql`
    UPDATE users SET mfa_failed_count = 0, mfa_locked_until = NULL, mfa_lock_count = 0
    WHERE id = ${userId} AND (mfa_failed_count <> 0 OR mfa_locked_until IS NOT NULL OR mfa_lock_count <> 0)`);
}
