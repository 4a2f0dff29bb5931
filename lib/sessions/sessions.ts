/**
 * Sessions.
 *
 * Model: the client holds "id.secret" (id: 128 random bits, secret: 256 random bits, both
 * base64url, from the CSPRNG). The database holds the id and SHA-256(secret). Validation is
 * one primary-key lookup and a constant-time compare of the hashes; a database leak yields no
 * usable token. Lifetimes: an idle timeout (slides, written at most once a minute) and an
 * absolute timeout (never moves), both enforced here on every request, both tighter at aal2.
 * Every sign-in, step-up and re-authentication issues a new id (no session fixation).
 *
 * Threats: token theft from the database (hashes only), guessing (256 bits), fixation (new id
 * at every privilege change), stale sessions (server-side expiry, revocation by id is
 * immediate). References: Copenhagen Book "sessions"; ASVS V7; checklist #23-#31.
 */
import { mintSplitToken, parseSplitToken, verifySplitSecret, type ParsedSplitToken } from "../crypto/split-token";
import type { Config } from "../config";
import { addSeconds } from "../clock";
import type { Queryable } from "../db";
import { findSessionWithUser, insertSession, revokeSessionById, touchSession, type SessionRecord, type SessionUser } from "./queries";

export type { SessionRecord, SessionUser } from "./queries";

export const SESSION_COOKIE = "portcullis_session";

export type SessionTimeouts = Pick<
  Config,
  | "SESSION_IDLE_TIMEOUT_SECONDS"
  | "SESSION_ABSOLUTE_TIMEOUT_SECONDS"
  | "SESSION_AAL2_IDLE_TIMEOUT_SECONDS"
  | "SESSION_AAL2_ABSOLUTE_TIMEOUT_SECONDS"
  | "SESSION_ACTIVITY_WRITE_INTERVAL_SECONDS"
>;

export interface IssuedSession {
  readonly token: string;
  readonly session: SessionRecord;
}

export interface ValidSession {
  readonly session: SessionRecord;
  readonly user: SessionUser;
}

function timeoutsFor(aal: 1 | 2, cfg: SessionTimeouts): { idle: number; absolute: number } {
  return aal === 2
    ? { idle: cfg.SESSION_AAL2_IDLE_TIMEOUT_SECONDS, absolute: cfg.SESSION_AAL2_ABSOLUTE_TIMEOUT_SECONDS }
    : { idle: cfg.SESSION_IDLE_TIMEOUT_SECONDS, absolute: cfg.SESSION_ABSOLUTE_TIMEOUT_SECONDS };
}

export function parseSessionToken(token: string): ParsedSplitToken | null {
  return parseSplitToken(token);
}

export interface CreateSessionInput {
  readonly userId: string;
  readonly aal: 1 | 2;
  readonly amr: readonly string[];
  readonly now: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** When rotating, the new session keeps the old absolute expiry: rotation never extends a session. */
  readonly absoluteExpiresAt?: Date;
  readonly reauthenticatedAt?: Date;
}

export async function createSession(q: Queryable, input: CreateSessionInput, cfg: SessionTimeouts): Promise<IssuedSession> {
  const minted = mintSplitToken();
  const limits = timeoutsFor(input.aal, cfg);
  const cap = addSeconds(input.now, limits.absolute);
  const absoluteExpiresAt = input.absoluteExpiresAt && input.absoluteExpiresAt < cap ? input.absoluteExpiresAt : cap;
  const idle = addSeconds(input.now, limits.idle);
  const session = await insertSession(q, {
    id: minted.id,
    secretHash: minted.secretHash,
    userId: input.userId,
    aal: input.aal,
    amr: input.amr,
    now: input.now,
    idleExpiresAt: idle < absoluteExpiresAt ? idle : absoluteExpiresAt,
    absoluteExpiresAt,
    reauthenticatedAt: input.reauthenticatedAt ?? input.now,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  return { token: minted.token, session };
}

/**
 * Validates a session token at `now`. Returns null for anything that is not a live session of
 * an active user: malformed, unknown, wrong secret, revoked, idle or absolutely expired. All of
 * these look the same to the caller (one generic 401).
 */
export async function validateSessionToken(q: Queryable, token: string, now: Date, cfg: SessionTimeouts): Promise<ValidSession | null> {
  const parsed = parseSessionToken(token);
  if (!parsed) return null;
  const found = await findSessionWithUser(q, parsed.id);
  if (!found) return null;
  const { session, user } = found;
  if (!verifySplitSecret(parsed.secret, session.secretHash)) return null;
  if (session.revokedAt !== null || !user.active) return null;
  if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt) return null;
  const writeInterval = cfg.SESSION_ACTIVITY_WRITE_INTERVAL_SECONDS;
  if (now.getTime() - session.lastActivityAt.getTime() >= writeInterval * 1000) {
    const idle = addSeconds(now, timeoutsFor(session.aal, cfg).idle);
    const idleExpiresAt = idle < session.absoluteExpiresAt ? idle : session.absoluteExpiresAt;
    await touchSession(q, session.id, now, idleExpiresAt, addSeconds(now, -writeInterval));
    return { session: { ...session, lastActivityAt: now, idleExpiresAt }, user };
  }
  return { session, user };
}

/**
 * A rotation found its session already ended (a sign-out everywhere, a revocation by id, a
 * privilege change committed while the request ran). Thrown, not returned, so that the
 * caller's whole transaction rolls back; the route wrapper answers 401 unauthenticated.
 */
export class SessionEndedError extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId} was ended while it was being rotated`);
    this.name = "SessionEndedError";
  }
}

/**
 * Replaces a session by a new one for the same user (a new id and secret), revoking the old.
 * Used at re-authentication, MFA step-up and privilege changes. The caller's transaction
 * makes the swap atomic. The revoke is guarded (only a live row): when it ends nothing, the
 * session was ended concurrently and no successor may be issued (SessionEndedError), or a
 * sign-out everywhere racing a re-authentication would be undone.
 */
export async function rotateSession(
  q: Queryable,
  old: SessionRecord,
  change: { aal?: 1 | 2; amr?: readonly string[]; reauthenticatedAt?: Date; now: Date; ip: string | null; userAgent: string | null },
  cfg: SessionTimeouts,
): Promise<IssuedSession> {
  if (!(await revokeSessionById(q, old.id, "rotated", change.now))) throw new SessionEndedError(old.id);
  const aal = change.aal ?? old.aal;
  return createSession(
    q,
    {
      userId: old.userId,
      aal,
      amr: change.amr ?? old.amr,
      now: change.now,
      ip: change.ip,
      userAgent: change.userAgent,
      // a step-up to aal2 starts the tighter aal2 clock; a same-level rotation keeps the old cap
      absoluteExpiresAt: aal === old.aal ? old.absoluteExpiresAt : undefined,
      reauthenticatedAt: change.reauthenticatedAt ?? old.reauthenticatedAt,
    },
    cfg,
  );
}

/** Is the session inside its re-authentication ("sudo") window? */
export function isRecentlyAuthenticated(session: SessionRecord, now: Date, windowSeconds: number): boolean {
  return now.getTime() - session.reauthenticatedAt.getTime() <= windowSeconds * 1000 && now >= session.reauthenticatedAt;
}

/** Max-Age for the cookie: never beyond the absolute expiry. */
export function cookieMaxAgeSeconds(session: SessionRecord, now: Date): number {
  return Math.max(0, Math.floor((session.absoluteExpiresAt.getTime() - now.getTime()) / 1000));
}
