/**
 * The first administrator (`npm run admin:create -- --email ...`): Portcullis ships no default
 * account (checklist #10), so an operator with database access makes one.
 *
 * Creates the account if no live account has the email, with the operator's password (read
 * from stdin by the command, never from argv, where it would reach the shell history and the
 * process list) or a generated one (144 random bits, base64url) shown once; either way the
 * full password policy applies (length, common list, breached check). An existing account
 * keeps its password: only the role changes. Then grants the admin role through
 * lib/rbac/permissions.ts (audited role.changed with source "cli", sessions flagged for
 * rotation). Running it twice changes nothing the second time.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, ok, type ErrorCode, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { emailSchema } from "../users/email";
import { findUserByEmail, insertPasswordHistory, insertUserIfAbsent } from "../users/queries";
import { grantDefaultRole } from "../rbac/queries";
import { checkNewPassword } from "../passwords/check";
import { hashPassword } from "../passwords/hasher";
import { randomToken } from "../crypto/random";
import { assignRole } from "../rbac/permissions";

export const ADMIN_ROLE = "admin";
const GENERATED_PASSWORD_BYTES = 18;
const GENERATE_ATTEMPTS = 5;

export interface EnsureAdminInput {
  readonly email: string;
  /** null: generate one (only used when the account is created). */
  readonly password: string | null;
  readonly now: Date;
  readonly actor: Actor;
}

export interface EnsureAdminOutcome {
  readonly userId: string;
  readonly email: string;
  readonly created: boolean;
  /** The generated password, to print once; null when the operator supplied one or the account existed. */
  readonly generatedPassword: string | null;
  /** false when the account already had the admin role. */
  readonly roleGranted: boolean;
  /** true when a password was supplied for an account that already existed (it was not changed). */
  readonly passwordIgnored: boolean;
}

async function choosePassword(db: Db, input: EnsureAdminInput, email: string, cfg: Config): Promise<Result<string, ErrorCode>> {
  const context = { email, userId: null, actor: input.actor, now: input.now };
  if (input.password !== null) {
    const policy = await checkNewPassword(db, input.password, context, cfg);
    return policy.ok ? ok(input.password) : policy;
  }
  for (let i = 0; i < GENERATE_ATTEMPTS; i++) {
    const candidate = randomToken(GENERATED_PASSWORD_BYTES);
    const policy = await checkNewPassword(db, candidate, context, cfg);
    if (policy.ok) return ok(candidate);
    if (policy.error === "breach_check_unavailable") return policy;
  }
  return err("internal_error");
}

export async function ensureAdmin(db: Db, input: EnsureAdminInput, cfg: Config): Promise<Result<EnsureAdminOutcome, ErrorCode>> {
  const parsed = emailSchema.safeParse(input.email);
  if (!parsed.success) return err("invalid_request");
  const email = parsed.data;

  const existing = await findUserByEmail(db, email);
  let user = existing ? { id: existing.id, email: existing.email } : null;
  let created = false;
  let generatedPassword: string | null = null;
  if (!user) {
    const password = await choosePassword(db, input, email, cfg);
    if (!password.ok) return password;
    const passwordHash = await hashPassword(password.value);
    const outcome = await db.transaction(async (tx) => {
      const inserted = await insertUserIfAbsent(tx, { email, name: null, passwordHash, now: input.now });
      if (!inserted) return { user: await findUserByEmail(tx, email), created: false };
      await insertPasswordHistory(tx, inserted.id, passwordHash, input.now);
      await grantDefaultRole(tx, inserted.id, input.now);
      await recordAuditEvent(tx, {
        type: "register",
        result: "success",
        actor: input.actor,
        actorId: null,
        targetId: inserted.id,
        now: input.now,
        details: { source: "cli" },
      });
      return { user: inserted, created: true };
    });
    if (!outcome.user) return err("conflict");
    user = { id: outcome.user.id, email: outcome.user.email };
    created = outcome.created;
    if (created && input.password === null) generatedPassword = password.value;
  }

  const granted = await assignRole(db, {
    targetUserId: user.id,
    role: ADMIN_ROLE,
    actorId: null,
    sessionId: null,
    actor: input.actor,
    now: input.now,
    details: { source: "cli" },
  });
  if (!granted.ok) return granted;
  return ok({
    userId: user.id,
    email: user.email,
    created,
    generatedPassword,
    roleGranted: granted.value.changed,
    passwordIgnored: !created && input.password !== null,
  });
}
