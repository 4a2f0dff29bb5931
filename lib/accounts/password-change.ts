/**
 * Changing the password while signed in (checklist #7, #33).
 *
 * Model: the current password is required and goes through verifyCredentials, so a wrong one
 * is answered invalid_credentials and counts toward the per-email lock and the per-IP
 * throttle, like a failed sign-in; the attempt itself is gated by the session's own failure
 * budget, not by the email's lock, so strangers cannot block the owner's session. The new
 * password passes the whole policy, including
 * the last PASSWORD_HISTORY_COUNT passwords (kept only as argon2id hashes, older ones pruned).
 * A user with an active second factor also needs an aal2 session or a valid code in the request
 * (mfa_required otherwise). One transaction then stores the hash, ends every other session and
 * refresh family, re-issues the current session under a new id (the old token stops working),
 * revokes every trusted device and voids pending MFA challenges, voids pending reset and
 * email-change tokens, mails a notice and writes the audit row. Passwords never expire on a
 * schedule: nothing here or in sign-in looks at password_changed_at.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type ErrorCode, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { checkNewPassword, shapeOf } from "../passwords/check";
import { hashPassword } from "../passwords/hasher";
import { revokeUserSessions } from "../sessions/queries";
import { rotateSession, type IssuedSession, type SessionRecord, type SessionUser } from "../sessions/sessions";
import { subjectHash } from "../users/email";
import { insertPasswordHistory } from "../users/queries";
import { prunePasswordHistory, setPasswordHash, voidUserTokens } from "./lifecycle-queries";
import { verifyCredentials } from "./sign-in";
import { clearThrottle } from "./throttle";
import { hasActiveMfa } from "../mfa/status";
import { verifySecondFactor } from "../mfa/verification";
import { endPlantedAccess } from "../mfa/recovery";

export interface ChangePasswordInput {
  readonly session: SessionRecord;
  readonly user: SessionUser;
  readonly currentPassword: string;
  readonly newPassword: string;
  /** A second-factor code (TOTP or backup code): required from an MFA user whose session is not aal2. */
  readonly code?: string | null;
  readonly now: Date;
  readonly actor: Actor;
}

export async function changePassword(db: Db, input: ChangePasswordInput, cfg: Config): Promise<Result<IssuedSession, ErrorCode>> {
  const { user, now, actor } = input;
  // Length and context first: no hash is spent on a new password that cannot pass.
  const shape = shapeOf(input.newPassword, user.email, cfg);
  if (!shape.ok) return shape;
  // An MFA user proves the second factor too: an aal2 session, or a code in this request
  // (a trusted-device sign-in is aal1: the password alone must not replace the password).
  const secondFactorNeeded = input.session.aal !== 2 && (await hasActiveMfa(db, user.id));
  if (secondFactorNeeded && !input.code) return err("mfa_required");
  const verified = await verifyCredentials(
    db,
    { email: user.email, password: input.currentPassword, sessionId: input.session.id, now, actor, auditType: "reauth" },
    cfg,
  );
  if (!verified.ok) return verified;
  if (secondFactorNeeded) {
    const second = await verifySecondFactor(db, { userId: user.id, code: input.code!, now, actor }, cfg);
    if (!second.ok) return second;
  }
  const policy = await checkNewPassword(db, input.newPassword, { email: user.email, userId: user.id, actor, now }, cfg);
  if (!policy.ok) return policy;
  const passwordHash = await hashPassword(input.newPassword);

  return ok(
    await db.transaction(async (tx) => {
      await setPasswordHash(tx, user.id, passwordHash, now);
      await insertPasswordHistory(tx, user.id, passwordHash, now);
      await prunePasswordHistory(tx, user.id, cfg.PASSWORD_HISTORY_COUNT);
      await clearThrottle(tx, subjectHash(user.email));
      const sessionsRevoked = await revokeUserSessions(tx, user.id, "password_changed", now, input.session.id);
      const issued = await rotateSession(tx, input.session, { now, ip: actor.ip, userAgent: actor.userAgent }, cfg);
      const cleanup = await endPlantedAccess(tx, { userId: user.id, now, removeFactors: false });
      await voidUserTokens(tx, user.id, ["password_reset", "email_change"], now);
      await queueMail(tx, templates.passwordChanged(user.email, link(cfg.APP_URL, PAGES.resetPassword)), cfg.mailTransport, now);
      await recordAuditEvent(tx, {
        type: "password.changed",
        result: "success",
        actor,
        actorId: user.id,
        targetId: user.id,
        sessionId: issued.session.id,
        now,
        details: {
          sessionsRevoked,
          previousSessionId: input.session.id,
          trustedDevicesRevoked: cleanup.trustedDevicesRevoked,
          challengesVoided: cleanup.challengesVoided,
        },
      });
      return issued;
    }),
  );
}
