/**
 * What a password reset or change ends besides sessions (issue 10 item 7): a trusted-device
 * cookie lets its holder skip the second step, and a pending MFA challenge is a half-finished
 * sign-in with the old password; both could have been planted by whoever knew the password
 * before. A reset also proves the mailbox: factors enrolled while the address was unverified
 * (possibly by someone who registered the victim's address first) are removed, with their
 * backup codes. TOTP enrolment itself requires a verified address (lib/mfa/factors.ts), so
 * only factors from before that rule can be in this state.
 */
import type { Queryable } from "../db";
import { voidMfaChallenges } from "./challenge";
import { deleteBackupCodes, deleteFactors } from "./queries";
import { revokeAllTrustedDevices } from "./trusted-devices";

export interface RecoveryCleanup {
  readonly trustedDevicesRevoked: number;
  readonly challengesVoided: number;
  /** Active factors removed because they were enrolled while the address was unverified. */
  readonly unverifiedFactorsRemoved: number;
}

export async function endPlantedAccess(
  tx: Queryable,
  input: { userId: string; now: Date; removeFactors: boolean },
): Promise<RecoveryCleanup> {
  const trustedDevicesRevoked = await revokeAllTrustedDevices(tx, input.userId, input.now);
  const challengesVoided = await voidMfaChallenges(tx, input.userId, input.now);
  let unverifiedFactorsRemoved = 0;
  if (input.removeFactors) {
    unverifiedFactorsRemoved = await deleteFactors(tx, input.userId);
    await deleteBackupCodes(tx, input.userId);
  }
  return { trustedDevicesRevoked, challengesVoided, unverifiedFactorsRemoved };
}
