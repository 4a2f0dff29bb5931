/**
 * Registration that does not reveal whether an email is taken (checklist #19, #20).
 *
 * A new email and an existing one get the same answer, after the same work: the password is
 * checked and hashed in both cases; a new account is created and sent a verification link,
 * while the owner of an existing account is told, by email, that someone tried to sign up
 * (at most once an hour). No session is issued by registration, so no cookie tells them apart.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type Result, type ErrorCode } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { consumeRateLimit, ipKey } from "../rate-limit/rate-limit";
import { queueMail } from "../email/mailer";
import { link, templates } from "../email/templates";
import { hashPassword } from "../passwords/hasher";
import { checkNewPassword } from "../passwords/check";
import { issueOneTimeToken } from "../one-time-tokens/one-time-tokens";
import { subjectHash } from "../users/email";
import { findUserByEmail, insertPasswordHistory, insertUserIfAbsent } from "../users/queries";
import { grantDefaultRole } from "../rbac/queries";

export interface RegisterInput {
  readonly email: string;
  readonly password: string;
  readonly name: string | null;
  readonly now: Date;
  readonly actor: Actor;
}

const REGISTER_IP_RULE = { limit: 20, windowSeconds: 3600 };
const DUPLICATE_MAIL_RULE = { limit: 1, windowSeconds: 3600 };

export async function register(db: Db, input: RegisterInput, cfg: Config): Promise<Result<void, ErrorCode>> {
  const limit = await consumeRateLimit(db, ipKey("register", input.actor.ip), REGISTER_IP_RULE, input.now);
  if (!limit.allowed) return err("too_many_requests", limit.retryAfterSeconds);

  const policy = await checkNewPassword(db, input.password, { email: input.email, userId: null, actor: input.actor, now: input.now }, cfg);
  if (!policy.ok) return policy;

  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    const created = await insertUserIfAbsent(tx, { email: input.email, name: input.name, passwordHash, now: input.now });
    if (created) {
      await insertPasswordHistory(tx, created.id, passwordHash, input.now);
      await grantDefaultRole(tx, created.id, input.now);
      const token = await issueOneTimeToken(tx, {
        userId: created.id,
        purpose: "email_verification",
        email: created.email,
        ttlSeconds: cfg.EMAIL_VERIFICATION_TTL_SECONDS,
        now: input.now,
      });
      await queueMail(
        tx,
        templates.welcome(created.email, link(cfg.APP_URL, PAGES.verifyEmail, token), cfg.EMAIL_VERIFICATION_TTL_SECONDS),
        cfg.mailTransport,
        input.now,
      );
      await recordAuditEvent(tx, {
        type: "register",
        result: "success",
        actor: input.actor,
        actorId: created.id,
        targetId: created.id,
        now: input.now,
      });
      return;
    }
    const existing = await findUserByEmail(tx, input.email);
    await recordAuditEvent(tx, {
      type: "register.duplicate",
      result: "failure",
      actor: input.actor,
      targetId: existing?.id ?? null,
      subjectHash: subjectHash(input.email),
      now: input.now,
    });
    if (!existing) return;
    const mailLimit = await consumeRateLimit(tx, `mail:signup-attempt:${existing.id}`, DUPLICATE_MAIL_RULE, input.now);
    if (mailLimit.allowed) {
      await queueMail(tx, templates.signupAttempt(existing.email, link(cfg.APP_URL, PAGES.resetPassword)), cfg.mailTransport, input.now);
    }
  });
  return ok(undefined);
}
