/**
 * One-time tokens for password reset, email verification and email change.
 *
 * Model: 256 random bits (base64url) sent to the user in a link; only SHA-256 stored, with the
 * user, the purpose and the email address it was sent to, and an expiry. Issuing a new token
 * voids the user's older unspent tokens of the same purpose. Redeeming is one guarded
 * UPDATE ... WHERE used_at IS NULL RETURNING: of two parallel redemptions exactly one wins.
 * References: Copenhagen Book "password reset", "email verification"; checklist #54, #55, #59.
 */
import type { Queryable } from "../db";
import { addSeconds } from "../clock";
import { sha256Hex } from "../crypto/digest";
import { randomToken } from "../crypto/random";
import { insertOneTimeToken, spendOneTimeToken, voidUnspentOneTimeTokens } from "./queries";

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
  await voidUnspentOneTimeTokens(q, input.userId, input.purpose, input.now);
  await insertOneTimeToken(q, {
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: sha256Hex(token),
    email: input.email,
    now: input.now,
    expiresAt: addSeconds(input.now, input.ttlSeconds),
  });
  return token;
}

export interface RedeemedToken {
  readonly userId: string;
  readonly email: string;
}

/** Spends a token if it is unspent, unexpired and of this purpose; null otherwise. */
export async function redeemOneTimeToken(q: Queryable, token: string, purpose: OneTimePurpose, now: Date): Promise<RedeemedToken | null> {
  return spendOneTimeToken(q, sha256Hex(token), purpose, now);
}
