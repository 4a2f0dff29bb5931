/**
 * Account deletion, by the owner (after a re-authentication) or by an administrator.
 *
 * Policy (docs/pages.md): in one transaction every session ends and is deleted with its
 * refresh-token family, and the second factor, backup codes, trusted devices, one-time tokens,
 * MFA challenges, password history, roles and linked social accounts are deleted. The users
 * row stays, anonymised (placeholder address under .invalid, no name, no password), disabled
 * and soft-deleted (deleted_at): audit rows keep naming its id and stay append-only, as they
 * are evidence. The address is free to register again at once. A notice goes to the old
 * address. The last active holder of a role that assigns roles cannot be deleted (last_admin),
 * so the console is never left without an administrator.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { templates } from "../email/templates";
import { subjectHash } from "../users/email";
import { clearThrottle } from "./throttle";
import {
  anonymiseUser,
  countSoleRoleAssigners,
  deleteUserBackupCodes,
  deleteUserMfaChallenges,
  deleteUserMfaFactors,
  deleteUserOauthAccounts,
  deleteUserOneTimeTokens,
  deleteUserPasswordHistory,
  deleteUserRoles,
  deleteUserSessions,
  deleteUserTrustedDevices,
  lockLiveUser,
} from "./deletion-queries";

export interface AccountDeletion {
  readonly userId: string;
  /** Who asked: the owner, or an administrator (whose id and session go into the audit row). */
  readonly by: "self" | "admin";
  readonly actorId: string;
  readonly sessionId: string;
  readonly actor: Actor;
  readonly now: Date;
}

export async function deleteAccount(
  db: Db,
  input: AccountDeletion,
  cfg: Pick<Config, "mailTransport">,
): Promise<Result<{ sessionsEnded: number }>> {
  return db.transaction(async (tx) => {
    const user = await lockLiveUser(tx, input.userId);
    if (!user) return err("not_found");
    if ((await countSoleRoleAssigners(tx, user.id)) > 0) return err("last_admin");
    const sessionsEnded = await deleteUserSessions(tx, user.id);
    await deleteUserMfaFactors(tx, user.id);
    await deleteUserBackupCodes(tx, user.id);
    await deleteUserTrustedDevices(tx, user.id);
    await deleteUserOneTimeTokens(tx, user.id);
    await deleteUserMfaChallenges(tx, user.id);
    await deleteUserPasswordHistory(tx, user.id);
    await deleteUserRoles(tx, user.id);
    await deleteUserOauthAccounts(tx, user.id);
    await clearThrottle(tx, subjectHash(user.email));
    await anonymiseUser(tx, user.id, input.now);
    await queueMail(tx, templates.accountDeleted(user.email), cfg.mailTransport, input.now);
    await recordAuditEvent(tx, {
      type: "user.deleted",
      result: "success",
      actor: input.actor,
      actorId: input.actorId,
      targetId: user.id,
      sessionId: input.sessionId,
      now: input.now,
      details: { by: input.by, sessionsEnded },
    });
    return ok({ sessionsEnded });
  });
}
