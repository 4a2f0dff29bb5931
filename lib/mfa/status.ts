/** Does this user have an active second factor? (Sign-in asks before issuing a session.) */
import { sql, type Queryable } from "../db";

export async function hasActiveMfa(q: Queryable, userId: string): Promise<boolean> {
  const { rows } = await q.query<{ present: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = ${userId} AND status = 'active') AS present`);
  return rows[0]?.present === true;
}

/** A way to answer the second sign-in step (listed in the mfa_required answer). */
export type SecondStepMethod = "totp" | "backup_code" | "passkey";

/**
 * The second-step methods this user has enrolled, in the order the page offers them: TOTP (and
 * its backup codes) when a factor is active, a passkey when any is registered. Empty: no second
 * step. One statement, so the answer never mixes two moments.
 */
export async function secondStepMethods(q: Queryable, userId: string): Promise<SecondStepMethod[]> {
  const { rows } = await q.query<{ totp: boolean; passkey: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = ${userId} AND status = 'active') AS totp,
           EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = ${userId}) AS passkey`);
  const row = rows[0];
  const methods: SecondStepMethod[] = [];
  if (row?.totp === true) methods.push("totp", "backup_code");
  if (row?.passkey === true) methods.push("passkey");
  return methods;
}
