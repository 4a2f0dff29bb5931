/**
 * One-time tokens for password reset, email verification and email change.
 *
 * Model: 256 random bits (base64url) sent to the user in a link; only SHA-256 stored, with the
 * user, the purpose and the email address it was sent to, and an expiry. Issuing a new token
 * voids the user's older unspent tokens of the same purpose. Redeeming is one guarded
 * UPDATE ... WHERE used_at IS NULL RETURNING: of two parallel redemptions exactly one wins.
 * References: Copenhagen Book "password reset", "email verification"; checklist #54, #55, #59.
 */
import { sql, type Queryable } from "../db";
import { addSeconds } from "../clock";
import { sha256Hex } from "../crypto/digest";
import { randomToken } from "../crypto/random";

export type OneTimePurpose = "password_reset" | "email_verification" | "email_change";

export interface IssueInput {
  readonly userId: string;
  readonly purpose: OneTimePurpose;
  readonly email: string;
  readonly ttlSeconds: number;
  readonly now: Date;
}

export async function issueOneTimeToken(q: Queryable, input: IssueInput): Promise<string> {
  const token = randomToken(32);
  await q.query(sql`
    UPDATE one_time_tokens SET used_at = ${input.now}
    WHERE user_id = ${input.userId} AND purpose = ${input.purpose} AND used_at IS NULL`);
  await q.query(sql`
    INSERT INTO one_time_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
    VALUES (${input.userId}, ${input.purpose}, ${sha256Hex(token)}, ${input.email}, ${input.now}, ${addSeconds(input.now, input.ttlSeconds)})`);
  return token;
}

export interface RedeemedToken {
  readonly userId: string;
  readonly email: string;
}

/** Spends a token if it is unspent, unexpired and of this purpose; null otherwise. */
export async function redeemOneTimeToken(q: Queryable, token: string, purpose: OneTimePurpose, now: Date): Promise<RedeemedToken | null> {
  const { rows } = await q.query<{ user_id: string; email: string }>(sql`
    UPDATE one_time_tokens SET used_at = ${now}
    WHERE token_hash = ${sha256Hex(token)} AND used_at IS NULL AND purpose = ${purpose} AND expires_at > ${now}
    RETURNING user_id, email`);
  const row = rows[0];
  return row ? { userId: row.user_id, email: row.email } : null;
}
