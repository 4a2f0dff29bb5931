/** Does this user have an active second factor? (Sign-in asks before issuing a session.) */
import type { Queryable } from "../db";
import { findSecondStepEnrolment, hasActiveFactor } from "./queries";

export async function hasActiveMfa(q: Queryable, userId: string): Promise<boolean> {
  return hasActiveFactor(q, userId);
}

/** A way to answer the second sign-in step (listed in the mfa_required answer). */
export type SecondStepMethod = "totp" | "backup_code" | "passkey";

/**
 * The second-step methods this user has enrolled, in the order the page offers them: TOTP (and
 * its backup codes) when a factor is active, a passkey when any is registered. Empty: no second
 * step. One statement, so the answer never mixes two moments.
 */
export async function secondStepMethods(q: Queryable, userId: string): Promise<SecondStepMethod[]> {
  const enrolled = await findSecondStepEnrolment(q, userId);
  const methods: SecondStepMethod[] = [];
  if (enrolled.totp) methods.push("totp", "backup_code");
  if (enrolled.passkey) methods.push("passkey");
  return methods;
}
