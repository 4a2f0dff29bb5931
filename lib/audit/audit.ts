/**
 * The audit log: every authentication event, written with the same Queryable (the same
 * transaction) as the change it records, so a change and its audit row commit or fail
 * together. Who (actor, target), what (event, result), when (UTC timestamptz), where (ip, user
 * agent, request id). Never a password, token, code or hash: callers pass ids, and for
 * attempts on an email the SHA-256 of the normalised email (subjectHash), not the address.
 */
import { sql, type Queryable } from "../db";
import type { Actor } from "../http/context";

/**
 * Every audit event type. The database holds the same list as rows of audit_event_types (each
 * migration that adds a type inserts it); tests/db/closed-unions.test.ts fails when they differ.
 */
export const AUDIT_EVENT_TYPES = [
  "register",
  "register.duplicate",
  "login.success",
  "login.failure",
  "login.locked",
  "login.mfa_required",
  "logout",
  "logout.all",
  "session.revoked",
  "session.rotated",
  "reauth.success",
  "reauth.failure",
  "token.issued",
  "token.revoked",
  "refresh.rotated",
  "refresh.reuse_detected",
  "refresh.failure",
  "password.changed",
  "password.reset.requested",
  "password.reset.completed",
  "email.verification.requested",
  "email.verified",
  "email.change.requested",
  "email.changed",
  "mfa.setup",
  "passkey.registered",
  "passkey.renamed",
  "passkey.removed",
  "passkey.failure",
  "passkey.counter_regressed",
  "mfa.enrolled",
  "mfa.disabled",
  "mfa.success",
  "mfa.failed",
  "mfa.locked",
  "backup_code.used",
  "backup_codes.regenerated",
  "device.trusted",
  "device.revoked",
  "role.changed",
  "role.created",
  "role.updated",
  "role.deleted",
  "user.disabled",
  "user.enabled",
  "user.unlocked",
  "admin.password_reset_sent",
  "authz.denied",
  "csrf.rejected",
  "rate_limited",
  "breach_check.unavailable",
  "cron.cleanup",
  "cron.daily",
  "security.alerts",
  // Pushed security alerts (0021)
  "security.alert.raised",
  "security.alert.webhook",
  "profile.updated",
  "user.deleted",
  // OpenID Connect provider (0016)
  "oauth.client.created",
  "oauth.client.secret_rotated",
  "oauth.client.disabled",
  "oauth.authorize.denied",
  "oauth.code.issued",
  "oauth.consent.granted",
  "oauth.consent.denied",
  "oauth.consent.revoked",
  "oauth.token.issued",
  "oauth.token.failure",
  "oauth.code.replayed",
  "oauth.token.revoked",
  "oauth.logout",
  // social sign-in (0024)
  "oauth.signed_in",
  "oauth.registered",
  "oauth.linked",
  "oauth.unlinked",
  "oauth.failed",
  // email sign-in codes (0025)
  "email_code.requested",
  "email_code.failure",
  "email_code.signed_in",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * An object-level refusal: `actorId` named an object (a session, a trusted device) that belongs
 * to `ownerId`. The caller still answers 404 (the id's existence is not confirmed to the
 * requester); the row says who probed whose object.
 */
export async function recordObjectDenial(
  q: Queryable,
  input: {
    actor: Actor;
    actorId: string;
    ownerId: string;
    sessionId: string | null;
    now: Date;
    object: "session" | "device";
    objectId: string;
    scope: "own" | "admin";
    pathUserId?: string;
  },
): Promise<void> {
  await recordAuditEvent(q, {
    type: "authz.denied",
    result: "failure",
    actor: input.actor,
    actorId: input.actorId,
    targetId: input.ownerId,
    sessionId: input.sessionId,
    now: input.now,
    details: {
      object: input.object,
      objectId: input.objectId,
      scope: input.scope,
      ...(input.pathUserId ? { pathUserId: input.pathUserId } : {}),
    },
  });
}

export interface AuditEvent {
  readonly type: AuditEventType;
  readonly result: "success" | "failure";
  readonly actor: Actor;
  readonly actorId?: string | null;
  readonly targetId?: string | null;
  readonly sessionId?: string | null;
  readonly subjectHash?: string | null;
  readonly details?: Record<string, unknown>;
  readonly now?: Date;
}

export async function recordAuditEvent(q: Queryable, event: AuditEvent): Promise<void> {
  await q.query(sql`
    INSERT INTO audit_logs (created_at, event_type, result, actor_id, target_id, session_id, subject_hash, ip, user_agent,
      request_id, details)
    VALUES (${event.now ?? new Date()}, ${event.type}, ${event.result}, ${event.actorId ?? null}, ${event.targetId ?? null},
            ${event.sessionId ?? null}, ${event.subjectHash ?? null}, ${event.actor.ip}, ${event.actor.userAgent},
            ${event.actor.requestId}, ${JSON.stringify(event.details ?? {})}::jsonb)`);
}
