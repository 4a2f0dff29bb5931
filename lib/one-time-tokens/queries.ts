/** One function per SQL statement on one_time_tokens. snake_case rows become camelCase here. */
import { sql, type Queryable } from "../db";
import type { OneTimePurpose } from "./one-time-tokens";

/** Voids the user's unspent tokens of this purpose (a new one is being issued). */
export async function voidUnspentOneTimeTokens(q: Queryable, userId: string, purpose: OneTimePurpose, now: Date): Promise<void> {
  await q.query(sql`
    UPDATE one_time_tokens SET used_at = ${now}
    WHERE user_id = ${userId} AND purpose = ${purpose} AND used_at IS NULL`);
}

export async function insertOneTimeToken(
  q: Queryable,
  t: { userId: string; purpose: OneTimePurpose; tokenHash: string; email: string; now: Date; expiresAt: Date },
): Promise<void> {
  await q.query(sql`
    INSERT INTO one_time_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
    VALUES (${t.userId}, ${t.purpose}, ${t.tokenHash}, ${t.email}, ${t.now}, ${t.expiresAt})`);
}

/**
 * Spends the token with this hash if it is unspent, unexpired and of this purpose: its user and
 * email, or null. One guarded UPDATE: of two parallel redemptions exactly one gets the row.
 */
export async function spendOneTimeToken(
  q: Queryable,
  tokenHash: string,
  purpose: OneTimePurpose,
  now: Date,
): Promise<{ userId: string; email: string } | null> {
  const { rows } = await q.query<{ user_id: string; email: string }>(sql`
    UPDATE one_time_tokens SET used_at = ${now}
    WHERE token_hash = ${tokenHash} AND used_at IS NULL AND purpose = ${purpose} AND expires_at > ${now}
    RETURNING user_id, email`);
  const row = rows[0];
  return row ? { userId: row.user_id, email: row.email } : null;
}
