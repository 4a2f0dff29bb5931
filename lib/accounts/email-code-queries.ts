/** One function per SQL statement on email_sign_in_codes (lib/accounts/email-code.ts has the model). */
import { sql, type Queryable } from "../db";

export interface NewEmailCode {
  readonly userId: string;
  readonly subjectHash: string;
  readonly codeHash: string;
  readonly keyId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** Spends every unspent code of the account: a new code supersedes the older ones. */
export async function supersedeEmailCodes(q: Queryable, userId: string, now: Date): Promise<number> {
  const result = await q.query(sql`UPDATE email_sign_in_codes SET used_at = ${now} WHERE user_id = ${userId} AND used_at IS NULL`);
  return result.rowCount;
}

/** Stores a code under the id its hash covers. */
export async function insertEmailCode(q: Queryable, id: string, code: NewEmailCode): Promise<void> {
  await q.query(sql`
    INSERT INTO email_sign_in_codes (id, user_id, subject_hash, code_hash, key_id, created_at, expires_at)
    VALUES (${id}, ${code.userId}, ${code.subjectHash}, ${code.codeHash}, ${code.keyId}, ${code.createdAt}, ${code.expiresAt})`);
}

export interface TakenAttempt {
  readonly id: string;
  readonly userId: string;
  readonly codeHash: string;
  readonly keyId: string;
  /** Attempts taken on this code so far, this one included. */
  readonly attempts: number;
}

/**
 * Takes one attempt on the address's live code before any comparison, in one guarded UPDATE:
 * refused (null) once the code holds `maxAttempts` attempts, is spent or has expired, so of any
 * number of parallel guesses at most `maxAttempts` are ever compared. The same statement runs
 * whether or not an account has the address.
 */
export async function takeEmailCodeAttempt(
  q: Queryable,
  subjectHash: string,
  maxAttempts: number,
  now: Date,
): Promise<TakenAttempt | null> {
  const { rows } = await q.query<{ id: string; user_id: string; code_hash: string; key_id: string; attempts: number }>(sql`
    UPDATE email_sign_in_codes SET attempts = attempts + 1
    WHERE id = (
      SELECT id FROM email_sign_in_codes
      WHERE subject_hash = ${subjectHash} AND used_at IS NULL AND expires_at > ${now}
      ORDER BY created_at DESC LIMIT 1)
      AND used_at IS NULL AND attempts < ${maxAttempts}
    RETURNING id, user_id, code_hash, key_id, attempts`);
  const row = rows[0];
  return row ? { id: row.id, userId: row.user_id, codeHash: row.code_hash, keyId: row.key_id, attempts: row.attempts } : null;
}

/** Burns a code whose attempts are used up (it can never be right any more). */
export async function burnEmailCode(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(sql`UPDATE email_sign_in_codes SET used_at = ${now} WHERE id = ${id} AND used_at IS NULL`);
}

/** Spends a matched code; false when a parallel request spent it first (exactly one wins). */
export async function spendEmailCode(q: Queryable, id: string, now: Date): Promise<boolean> {
  const result = await q.query(
    sql`UPDATE email_sign_in_codes SET used_at = ${now} WHERE id = ${id} AND used_at IS NULL AND expires_at > ${now}`,
  );
  return result.rowCount === 1;
}
