/**
 * The MFA challenge: what sign-in returns instead of a session when the account has a second
 * factor. Token "id.secret" like a session (only SHA-256 of the secret stored), valid for
 * MFA_CHALLENGE_TTL_SECONDS (default 5 minutes), bound to one user and one sign-in attempt,
 * spent by the second step. It is not a session: no protected route accepts it.
 */
import { mintSplitToken, parseSplitToken, verifySplitSecret } from "../crypto/split-token";
import { sql, type Queryable } from "../db";
import { addSeconds } from "../clock";

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
  await q.query(sql`
    INSERT INTO mfa_challenges (id, secret_hash, user_id, purpose, created_at, expires_at, ip, user_agent, first_factor)
    VALUES (${minted.id}, ${minted.secretHash}, ${input.userId}, ${input.purpose}, ${input.now}, ${expiresAt}, ${input.ip}, ${input.userAgent},
            ${input.firstFactor ?? "pwd"})`);
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
  const { rows } = await q.query<{
    id: string;
    secret_hash: string;
    user_id: string;
    purpose: "login" | "token";
    first_factor: "pwd" | "fed" | "email";
  }>(sql`
    SELECT id, secret_hash, user_id, purpose, first_factor FROM mfa_challenges
    WHERE id = ${parsed.id} AND used_at IS NULL AND expires_at > ${now}`);
  const row = rows[0];
  if (!row || !verifySplitSecret(parsed.secret, row.secret_hash)) return null;
  return { id: row.id, userId: row.user_id, purpose: row.purpose, firstFactor: row.first_factor };
}

/** Spends a challenge; false if another request spent it first. */
export async function spendMfaChallenge(q: Queryable, id: string, now: Date): Promise<boolean> {
  const result = await q.query(sql`UPDATE mfa_challenges SET used_at = ${now} WHERE id = ${id} AND used_at IS NULL`);
  return result.rowCount === 1;
}

/** Voids every unspent challenge of a user (a password reset or change): returns how many. */
export async function voidMfaChallenges(q: Queryable, userId: string, now: Date): Promise<number> {
  const result = await q.query(sql`UPDATE mfa_challenges SET used_at = ${now} WHERE user_id = ${userId} AND used_at IS NULL`);
  return result.rowCount;
}
