/**
 * One function per SQL statement on passkeys: webauthn_credentials and webauthn_challenges.
 * snake_case rows become camelCase here.
 */
import { sql, type Queryable } from "../db";

export type PasskeyDeviceType = "singleDevice" | "multiDevice";

export interface PasskeyRecord {
  readonly id: string;
  readonly userId: string;
  /** base64url, as the authenticator returned it */
  readonly credentialId: string;
  /** COSE public key, base64url */
  readonly publicKey: string;
  readonly signCount: number;
  readonly transports: readonly string[];
  readonly deviceType: PasskeyDeviceType;
  readonly backedUp: boolean;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  sign_count: string | number;
  transports: string[];
  device_type: PasskeyDeviceType;
  backed_up: boolean;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toPasskey = (r: PasskeyRow): PasskeyRecord => ({
  id: r.id,
  userId: r.user_id,
  credentialId: r.credential_id,
  publicKey: r.public_key,
  signCount: Number(r.sign_count),
  transports: r.transports,
  deviceType: r.device_type,
  backedUp: r.backed_up,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export async function listPasskeys(q: Queryable, userId: string): Promise<PasskeyRecord[]> {
  const { rows } = await q.query<PasskeyRow>(sql`
    SELECT id, user_id, credential_id, public_key, sign_count, transports, device_type, backed_up, name, created_at, last_used_at
    FROM webauthn_credentials WHERE user_id = ${userId} ORDER BY created_at, id`);
  return rows.map(toPasskey);
}

export async function findPasskeyByCredentialId(q: Queryable, credentialId: string): Promise<PasskeyRecord | null> {
  const { rows } = await q.query<PasskeyRow>(sql`
    SELECT id, user_id, credential_id, public_key, sign_count, transports, device_type, backed_up, name, created_at, last_used_at
    FROM webauthn_credentials WHERE credential_id = ${credentialId}`);
  return rows[0] ? toPasskey(rows[0]) : null;
}

export interface NewPasskey {
  readonly userId: string;
  readonly credentialId: string;
  readonly publicKey: string;
  readonly signCount: number;
  readonly transports: readonly string[];
  readonly deviceType: PasskeyDeviceType;
  readonly backedUp: boolean;
  readonly name: string;
  readonly now: Date;
}

/** Inserts a passkey; null when the credential id is already registered (to anyone). */
export async function insertPasskey(q: Queryable, p: NewPasskey): Promise<PasskeyRecord | null> {
  const { rows } = await q.query<PasskeyRow>(sql`
    INSERT INTO webauthn_credentials (user_id, credential_id, public_key, sign_count, transports, device_type, backed_up, name, created_at)
    VALUES (${p.userId}, ${p.credentialId}, ${p.publicKey}, ${p.signCount}, ${[...p.transports]}, ${p.deviceType},
      ${p.backedUp}, ${p.name}, ${p.now})
    ON CONFLICT (credential_id) DO NOTHING
    RETURNING id, user_id, credential_id, public_key, sign_count, transports, device_type, backed_up, name, created_at, last_used_at`);
  return rows[0] ? toPasskey(rows[0]) : null;
}

/**
 * Records a use, in one guarded statement: the new counter must be above the stored one, unless
 * both are 0 (an authenticator without a counter). False means the counter went backwards (or
 * the passkey is gone): a cloned authenticator, or a replayed assertion (WebAuthn §7.2 step 21).
 */
export async function recordPasskeyUse(q: Queryable, id: string, signCount: number, backedUp: boolean, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE webauthn_credentials SET sign_count = ${signCount}, backed_up = ${backedUp}, last_used_at = ${now}
    WHERE id = ${id} AND (sign_count < ${signCount} OR (sign_count = 0 AND ${signCount}::bigint = 0))`);
  return result.rowCount === 1;
}

export async function renamePasskey(q: Queryable, userId: string, id: string, name: string): Promise<boolean> {
  const result = await q.query(sql`UPDATE webauthn_credentials SET name = ${name} WHERE id = ${id} AND user_id = ${userId}`);
  return result.rowCount === 1;
}

export async function deletePasskey(q: Queryable, userId: string, id: string): Promise<PasskeyRecord | null> {
  const { rows } = await q.query<PasskeyRow>(sql`
    DELETE FROM webauthn_credentials WHERE id = ${id} AND user_id = ${userId}
    RETURNING id, user_id, credential_id, public_key, sign_count, transports, device_type, backed_up, name, created_at, last_used_at`);
  return rows[0] ? toPasskey(rows[0]) : null;
}

export type ChallengeBinding =
  | { readonly purpose: "registration"; readonly sessionId: string; readonly userId: string }
  | { readonly purpose: "authentication"; readonly bindingHash: string };

export async function insertWebauthnChallenge(
  q: Queryable,
  challenge: string,
  binding: ChallengeBinding,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  const sessionId = binding.purpose === "registration" ? binding.sessionId : null;
  const userId = binding.purpose === "registration" ? binding.userId : null;
  const bindingHash = binding.purpose === "authentication" ? binding.bindingHash : null;
  await q.query(sql`
    INSERT INTO webauthn_challenges (challenge, purpose, session_id, binding_hash, user_id, created_at, expires_at)
    VALUES (${challenge}, ${binding.purpose}, ${sessionId}, ${bindingHash}, ${userId}, ${now}, ${expiresAt})`);
}

/**
 * Spends a challenge that is live and bound to this session or pre-authentication cookie, in one
 * guarded UPDATE: true once, false for anything else (unknown, expired, spent, bound elsewhere).
 */
export async function spendWebauthnChallenge(q: Queryable, challenge: string, binding: ChallengeBinding, now: Date): Promise<boolean> {
  const result =
    binding.purpose === "registration"
      ? await q.query(sql`
          UPDATE webauthn_challenges SET used_at = ${now}
          WHERE challenge = ${challenge} AND purpose = 'registration' AND session_id = ${binding.sessionId}
            AND user_id = ${binding.userId} AND used_at IS NULL AND expires_at > ${now}`)
      : await q.query(sql`
          UPDATE webauthn_challenges SET used_at = ${now}
          WHERE challenge = ${challenge} AND purpose = 'authentication' AND binding_hash = ${binding.bindingHash}
            AND used_at IS NULL AND expires_at > ${now}`);
  return result.rowCount === 1;
}

/** Deletes up to `limit` expired challenges (each new ceremony sweeps a few). */
export async function deleteExpiredWebauthnChallenges(q: Queryable, now: Date, limit: number): Promise<number> {
  const result = await q.query(sql`
    DELETE FROM webauthn_challenges WHERE id IN (
      SELECT id FROM webauthn_challenges WHERE expires_at <= ${now} ORDER BY expires_at LIMIT ${limit})`);
  return result.rowCount;
}
