/**
 * The MFA challenge: what sign-in returns instead of a session when the account has a second
 * factor. Token "id.secret" like a session (only SHA-256 of the secret stored), valid for
 * MFA_CHALLENGE_TTL_SECONDS (default 5 minutes), bound to one user and one sign-in attempt,
 * spent by the second step. It is not a session: no protected route accepts it.
 */
import { mintSplitToken, parseSplitToken, verifySplitSecret } from "../crypto/split-token";
import type { Queryable } from "../db";
import { addSeconds } from "../clock";
import { findLiveMfaChallenge, insertMfaChallenge, markMfaChallengeUsed, markUserMfaChallengesUsed } from "./queries";

export interface ChallengeInput {
  readonly userId: string;
  readonly purpose: "login" | "token";
  readonly now: Date;
  readonly ttlSeconds: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The first factor already verified: a password, a federated (social) sign-in, or an emailed code. Default "pwd". */
  readonly firstFactor?: "pwd" | "fed" | "email";
}

export async function createMfaChallenge(q: Queryable, input: ChallengeInput): Promise<{ token: string; expiresAt: Date }> {
  const minted = mintSplitToken();
  const expiresAt = addSeconds(input.now, input.ttlSeconds);
  await insertMfaChallenge(q, {
    id: minted.id,
    secretHash: minted.secretHash,
    userId: input.userId,
    purpose: input.purpose,
    now: input.now,
    expiresAt,
    ip: input.ip,
    userAgent: input.userAgent,
    firstFactor: input.firstFactor ?? "pwd",
  });
  return { token: minted.token, expiresAt };
}

export interface LiveChallenge {
  readonly id: string;
  readonly userId: string;
  readonly purpose: "login" | "token";
  readonly firstFactor: "pwd" | "fed" | "email";
}

/** Finds an unspent, unexpired challenge by token (does not spend it). */
export async function findMfaChallenge(q: Queryable, token: string, now: Date): Promise<LiveChallenge | null> {
  const parsed = parseSplitToken(token);
  if (!parsed) return null;
  const row = await findLiveMfaChallenge(q, parsed.id, now);
  if (!row || !verifySplitSecret(parsed.secret, row.secretHash)) return null;
  return { id: row.id, userId: row.userId, purpose: row.purpose, firstFactor: row.firstFactor };
}

/** Spends a challenge; false if another request spent it first. */
export async function spendMfaChallenge(q: Queryable, id: string, now: Date): Promise<boolean> {
  return markMfaChallengeUsed(q, id, now);
}

/** Voids every unspent challenge of a user (a password reset or change): returns how many. */
export async function voidMfaChallenges(q: Queryable, userId: string, now: Date): Promise<number> {
  return markUserMfaChallengesUsed(q, userId, now);
}
