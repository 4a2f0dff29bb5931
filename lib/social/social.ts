/**
 * Social sign-in outcomes (issue 14), once the provider's answer has passed every check
 * (lib/social/identity.ts). Identities are keyed by (provider, provider user id), never by
 * email:
 *  - a linked identity signs in through the same function as a password (completeSignIn): the
 *    local second step still applies, and login.success / login.mfa_required are written
 *    beside oauth.signed_in, so detection sees both kinds of sign-in;
 *  - an unknown identity creates an account only when SOCIAL_SIGN_UP is on and the provider
 *    is authoritative for the address and says it is verified; the account starts verified
 *    and without a password;
 *  - an unknown identity whose (verified) email belongs to an account is never linked to it:
 *    the person signs in to that account and links from /account/security (re-authenticated).
 *
 * Threat: pre-account takeover. An attacker's provider account asserting the victim's address
 * cannot reach the victim's account (no linking by email), and cannot create an account on
 * an address it does not control (no account from an unverified address): otherwise the
 * attacker would hold an identity on the account the victim later recovers by email. An
 * unverified address is refused before the address is looked up, so the refusal does not tell
 * whether an account exists. Unlinking keeps the account a way to sign in (a password or
 * another identity), checked under a lock on the user row.
 */
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { err, ok, type ErrorCode, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { completeSignIn, type SignInOutcome } from "../accounts/sign-in";
import { subjectHash } from "../users/email";
import { findUserByEmail, findUserById } from "../users/queries";
import type { ProviderIdentity } from "./identity";
import type { SocialProviderId } from "./providers";
import {
  deleteIdentityKeepingASignInMethod,
  findIdentity,
  findIdentityOfUser,
  insertIdentity,
  insertUserWithoutPassword,
  listIdentities,
  lockUserForUnlink,
  touchIdentity,
  userHasPassword,
  type LinkedIdentity,
} from "./queries";
import { grantDefaultRole } from "../rbac/queries";

export interface SocialSignInInput {
  readonly provider: SocialProviderId;
  readonly identity: ProviderIdentity;
  readonly now: Date;
  readonly actor: Actor;
  readonly trustedDeviceToken?: string | null;
}

export type SocialSignInOutcome = SignInOutcome & { readonly created: boolean };

/** Records a refused or failed social sign-in or link (never the email, only its hash). */
export async function recordSocialFailure(
  q: Queryable,
  input: { provider: string | null; reason: string; actor: Actor; now: Date; userId?: string | null; email?: string | null },
): Promise<void> {
  await recordAuditEvent(q, {
    type: "oauth.failed",
    result: "failure",
    actor: input.actor,
    actorId: input.userId ?? null,
    targetId: input.userId ?? null,
    subjectHash: input.email ? subjectHash(input.email) : null,
    now: input.now,
    details: { provider: input.provider, reason: input.reason },
  });
}

async function refuse<T>(db: Db, input: SocialSignInInput, code: ErrorCode, reason: string, userId?: string): Promise<Result<T>> {
  await recordSocialFailure(db, {
    provider: input.provider,
    reason,
    actor: input.actor,
    now: input.now,
    userId: userId ?? null,
    email: input.identity.email,
  });
  return err(code);
}

export async function signInWithIdentity(db: Db, input: SocialSignInInput, cfg: Config): Promise<Result<SocialSignInOutcome>> {
  const { identity, provider } = input;
  const linked = await findIdentity(db, provider, identity.subject);
  if (linked) {
    const user = await findUserById(db, linked.userId);
    if (user?.status !== "active") return refuse(db, input, "social_sign_in_failed", "account_disabled", linked.userId);
    const outcome = await completeSignIn(
      db,
      {
        user,
        subject: subjectHash(user.email),
        method: "fed",
        loginDeviceId: null,
        now: input.now,
        actor: input.actor,
        trustedDeviceToken: input.trustedDeviceToken,
        details: { provider },
        alsoInTransaction: (tx, done) => recordSignedIn(tx, input, linked.id, user.id, done),
      },
      cfg,
    );
    return ok({ ...outcome, created: false });
  }

  // Unknown identity. An address the provider does not vouch for is refused before any
  // lookup (no account is created on it, and the answer says nothing about existing accounts).
  if (!identity.email || !identity.emailVerified) return refuse(db, input, "social_email_unverified", "email_unverified");
  if (await findUserByEmail(db, identity.email)) return refuse(db, input, "social_account_exists", "email_in_use");
  if (!cfg.SOCIAL_SIGN_UP) return refuse(db, input, "social_sign_up_closed", "sign_up_closed");

  const email = identity.email;
  const created = await db.transaction(async (tx) => {
    const user = await insertUserWithoutPassword(tx, { email, name: identity.name, emailVerified: true, now: input.now });
    if (!user) return null;
    const row = await insertIdentity(tx, { userId: user.id, provider, providerAccountId: identity.subject, email, now: input.now });
    if (!row) return null;
    await grantDefaultRole(tx, user.id, input.now);
    await recordAuditEvent(tx, {
      type: "oauth.registered",
      result: "success",
      actor: input.actor,
      actorId: user.id,
      targetId: user.id,
      subjectHash: subjectHash(email),
      now: input.now,
      details: { provider, emailVerified: true },
    });
    return { user, row };
  });
  // a parallel callback created the account or linked the identity first
  if (!created) return refuse(db, input, "social_sign_in_failed", "conflict");
  const outcome = await completeSignIn(
    db,
    {
      user: created.user,
      subject: subjectHash(email),
      method: "fed",
      loginDeviceId: null,
      now: input.now,
      actor: input.actor,
      details: { provider },
      alsoInTransaction: (tx, done) => recordSignedIn(tx, input, created.row.id, created.user.id, done),
    },
    cfg,
  );
  return ok({ ...outcome, created: true });
}

async function recordSignedIn(tx: Queryable, input: SocialSignInInput, identityId: string, userId: string, done: SignInOutcome) {
  await touchIdentity(tx, identityId, input.now);
  await recordAuditEvent(tx, {
    type: "oauth.signed_in",
    result: "success",
    actor: input.actor,
    actorId: userId,
    targetId: userId,
    sessionId: done.kind === "session" ? done.issued.session.id : null,
    now: input.now,
    details: { provider: input.provider, secondStep: done.kind === "mfa_required" },
  });
}

export interface LinkInput {
  readonly userId: string;
  readonly sessionId: string;
  readonly provider: SocialProviderId;
  readonly identity: ProviderIdentity;
  readonly now: Date;
  readonly actor: Actor;
}

/** Links an identity to the signed-in (re-authenticated) user; never one linked to someone else. */
export async function linkIdentity(db: Db, input: LinkInput): Promise<Result<LinkedIdentity>> {
  const existing = await findIdentity(db, input.provider, input.identity.subject);
  const fail = async (code: ErrorCode, reason: string) => {
    await recordSocialFailure(db, { provider: input.provider, reason, actor: input.actor, now: input.now, userId: input.userId });
    return err(code);
  };
  if (existing && existing.userId !== input.userId) return fail("social_identity_in_use", "identity_in_use");
  if (existing) return ok(existing);
  const linked = await db.transaction(async (tx) => {
    const row = await insertIdentity(tx, {
      userId: input.userId,
      provider: input.provider,
      providerAccountId: input.identity.subject,
      email: input.identity.email,
      now: input.now,
    });
    if (!row) return null;
    await recordAuditEvent(tx, {
      type: "oauth.linked",
      result: "success",
      actor: input.actor,
      actorId: input.userId,
      targetId: input.userId,
      sessionId: input.sessionId,
      now: input.now,
      details: { provider: input.provider, identityId: row.id },
    });
    return row;
  });
  if (linked) return ok(linked);
  // the conflict: this user has an identity of the provider, or a parallel link took this one
  const again = await findIdentity(db, input.provider, input.identity.subject);
  if (again && again.userId !== input.userId) return fail("social_identity_in_use", "identity_in_use");
  return fail("social_already_linked", "provider_already_linked");
}

export interface UnlinkInput {
  readonly userId: string;
  readonly sessionId: string;
  readonly identityId: string;
  readonly now: Date;
  readonly actor: Actor;
}

export async function unlinkIdentity(db: Db, input: UnlinkInput): Promise<Result<LinkedIdentity>> {
  return db.transaction(async (tx): Promise<Result<LinkedIdentity>> => {
    const user = await lockUserForUnlink(tx, input.userId);
    if (!user) return err("not_found");
    const owned = await findIdentityOfUser(tx, input.userId, input.identityId);
    if (!owned) return err("not_found");
    const removed = await deleteIdentityKeepingASignInMethod(tx, input.userId, input.identityId);
    if (!removed) return err("last_sign_in_method");
    await recordAuditEvent(tx, {
      type: "oauth.unlinked",
      result: "success",
      actor: input.actor,
      actorId: input.userId,
      targetId: input.userId,
      sessionId: input.sessionId,
      now: input.now,
      details: { provider: removed.provider, identityId: removed.id },
    });
    return ok(removed);
  });
}

/** How the user can sign in: a password, and the linked identities (the account page's list). */
export async function signInMethods(db: Db, userId: string): Promise<{ hasPassword: boolean; identities: LinkedIdentity[] }> {
  return { hasPassword: await userHasPassword(db, userId), identities: await listIdentities(db, userId) };
}
