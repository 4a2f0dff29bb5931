/**
 * Token pairs and refresh-token rotation with family reuse detection.
 *
 * Model: a refresh token is 32 random bytes, base64url (43 characters, no dot, so it can never
 * parse as a session token "id.secret" and vice versa). Only SHA-256(token) is stored. A family
 * is a session row: every token of a family points at the session, and at its parent. A pair
 * is issued by the password sign-in, the MFA step, or from a cookie session, which gets a NEW
 * session row (same user, aal, amr, absolute expiry) so that rotating the cookie never ends the
 * API family. The family lives exactly as long as its session: idle and absolute expiry,
 * revocation (sign-out everywhere, revoke by id, password change) and the user's status are
 * checked on every refresh, and a refresh counts as session activity.
 *
 * Rotation of an unspent token on a live family is one statement (rotateRefreshToken: count the
 * attempt against the per-IP rate limit, lock the session, spend the token, insert the child,
 * slide the session, audit), so a refresh costs one round trip. Anything else (a token already spent, revoked, unknown, or
 * its session ended) goes to one transaction: lock the session row, lock the presented token's
 * row, then
 *  - unused: mint the child (the unique index on parent_id means a token has at most one child),
 *    mark the parent used and store the child sealed (AES-256-GCM) under a key derived from the
 *    PARENT token, which the server never stores;
 *  - used, within REFRESH_REUSE_GRACE_SECONDS, and its child is still the family's live token:
 *    open the sealed child and return exactly it (a lost response, or parallel tabs and
 *    renders that refreshed at once: every one of them gets the same successor);
 *  - any other reuse: the token leaked, and the server cannot tell the thief from the user.
 *    Revoke the whole family and its session, and audit refresh.reuse_detected, in the same
 *    transaction; answer 401 refresh_token_reused.
 * Access tokens carry the roles read from the database at each issue.
 *
 * References: RFC 6749 §10.4, RFC 9700 §4.14.2, ASVS V10.4.5; checklist #37-#43.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { addSeconds } from "../clock";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex } from "../crypto/digest";
import { base64url, fromBase64url, randomToken } from "../crypto/random";
import { consumeRateLimit, ipKey } from "../rate-limit/rate-limit";
import { createSession, type SessionRecord, type SessionUser } from "../sessions/sessions";
import { findSessionWithUser, revokeSessionById } from "../sessions/queries";
import { signAccessToken, signingKeys } from "./jwt";
import {
  findFamilyClient,
  findRefreshTokenByHash,
  findSuccessor,
  insertRefreshToken,
  lockRefreshTokenByHash,
  lockFamily,
  markRefreshTokenUsed,
  type FamilyClient,
  rotateRefreshToken,
  touchFamilySession,
  type RefreshTokenRecord,
} from "./refresh-queries";

const REFRESH_TOKEN_BYTES = 32;
/** 32 bytes base64url: 43 characters of [A-Za-z0-9_-], never a dot. */
export const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const SUCCESSOR_KEY_CONTEXT = "portcullis:successor:";
const SEAL_IV_BYTES = 12;
const SEALED_PATTERN = /^v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)$/;

export type TokenConfig = Pick<
  Config,
  | "JWT_SIGNING_KEYS"
  | "production"
  | "issuer"
  | "JWT_AUDIENCE"
  | "ACCESS_TOKEN_TTL_SECONDS"
  | "REFRESH_REUSE_GRACE_SECONDS"
  | "REFRESH_RATE_LIMIT_PER_WINDOW"
  | "REFRESH_RATE_LIMIT_WINDOW_SECONDS"
  | "SESSION_IDLE_TIMEOUT_SECONDS"
  | "SESSION_ABSOLUTE_TIMEOUT_SECONDS"
  | "SESSION_AAL2_IDLE_TIMEOUT_SECONDS"
  | "SESSION_AAL2_ABSOLUTE_TIMEOUT_SECONDS"
  | "SESSION_ACTIVITY_WRITE_INTERVAL_SECONDS"
>;

export interface IssuedTokenPair {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
  readonly refreshToken: string;
  /** When the family ends if no refresh happens before: the session's idle expiry (never past its absolute expiry). */
  readonly refreshExpiresAt: Date;
  readonly sessionId: string;
}

/** The response body of the token routes. */
export interface PublicTokenPair {
  readonly accessToken: string;
  readonly tokenType: "Bearer";
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresAt: string;
}

export function publicTokenPair(pair: IssuedTokenPair): PublicTokenPair {
  return {
    accessToken: pair.accessToken,
    tokenType: "Bearer",
    expiresIn: pair.expiresInSeconds,
    refreshToken: pair.refreshToken,
    refreshExpiresAt: pair.refreshExpiresAt.toISOString(),
  };
}

// --- sealing the successor under a key only the parent's holder can derive ---------------------

function successorKey(parentToken: string): Promise<CryptoKey> {
  const raw = sha256(utf8ToBytes(SUCCESSOR_KEY_CONTEXT + parentToken));
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/**
 * The row the sealed value belongs to is authenticated too: a sealed child moved to another row
 * does not open. The row is named by its token hash (unique), which is known before the row is
 * read, so the single-statement rotation can store the sealed child; successors sealed before
 * that change name the row by id, and open as such for the few seconds of their grace window.
 */
const encoder = new TextEncoder();
const sealContext = (tokenHash: string) => encoder.encode(`refresh_tokens:hash:${tokenHash}`);
const legacySealContext = (parentId: string) => encoder.encode(`refresh_tokens:${parentId}`);

async function sealSuccessor(parentToken: string, parentHash: string, child: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(SEAL_IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: sealContext(parentHash) },
    await successorKey(parentToken),
    encoder.encode(child),
  );
  return `v1.${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`;
}

async function openSuccessor(parentToken: string, parent: { id: string; hash: string }, sealed: string): Promise<string | null> {
  const match = SEALED_PATTERN.exec(sealed);
  const iv = match ? fromBase64url(match[1]!) : null;
  const ciphertext = match ? fromBase64url(match[2]!) : null;
  if (!iv || !ciphertext) return null;
  const key = await successorKey(parentToken);
  for (const additionalData of [sealContext(parent.hash), legacySealContext(parent.id)]) {
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: new Uint8Array(iv), additionalData },
        key,
        new Uint8Array(ciphertext),
      );
      const child = new TextDecoder().decode(plain);
      return REFRESH_TOKEN_PATTERN.test(child) ? child : null;
    } catch {
      // not sealed under this binding
    }
  }
  return null;
}

// --- issuing ------------------------------------------------------------------------------------

function idleTimeoutSeconds(aal: 1 | 2, cfg: TokenConfig): number {
  return aal === 2 ? cfg.SESSION_AAL2_IDLE_TIMEOUT_SECONDS : cfg.SESSION_IDLE_TIMEOUT_SECONDS;
}

export async function accessTokenFor(
  session: SessionRecord,
  user: SessionUser,
  now: Date,
  cfg: TokenConfig,
  family: FamilyClient | null = null,
) {
  const oauth = family?.oauthClientId ? { clientId: family.oauthClientId, scope: (family.oauthScopes ?? []).join(" ") } : {};
  return signAccessToken(
    await signingKeys(cfg),
    { userId: user.id, sessionId: session.id, roles: user.roles, aal: session.aal, amr: session.amr, ...oauth },
    now,
    cfg,
  );
}

export interface IssueTokenPairInput {
  /** The session that becomes the family: created by the caller in the same transaction. */
  readonly sessionId: string;
  readonly now: Date;
  readonly actor: Actor;
  /** How the holder authenticated, for the audit row. */
  readonly source: "password" | "mfa" | "session";
  /** The cookie session the pair was exchanged from, if any (audit only). */
  readonly derivedFromSessionId?: string;
}

/**
 * Starts a family on a live session: its first refresh token and an access token, audited as
 * token.issued. Call it inside the transaction that created the session (the MFA step does).
 */
export async function issueTokenPair(tx: Queryable, input: IssueTokenPairInput, cfg: TokenConfig): Promise<IssuedTokenPair> {
  const found = await findSessionWithUser(tx, input.sessionId);
  if (!found || found.session.revokedAt !== null) throw new Error("issueTokenPair: the session does not exist or is revoked");
  const { session, user } = found;
  const refreshToken = randomToken(REFRESH_TOKEN_BYTES);
  await insertRefreshToken(tx, {
    sessionId: session.id,
    userId: user.id,
    parentId: null,
    tokenHash: sha256Hex(refreshToken),
    now: input.now,
  });
  const access = await accessTokenFor(session, user, input.now, cfg);
  await recordAuditEvent(tx, {
    type: "token.issued",
    result: "success",
    actor: input.actor,
    actorId: user.id,
    targetId: user.id,
    sessionId: session.id,
    now: input.now,
    details: {
      source: input.source,
      aal: session.aal,
      ...(input.derivedFromSessionId ? { derivedFromSessionId: input.derivedFromSessionId } : {}),
    },
  });
  return {
    accessToken: access.token,
    expiresInSeconds: access.expiresInSeconds,
    refreshToken,
    refreshExpiresAt: session.idleExpiresAt,
    sessionId: session.id,
  };
}

/**
 * The current cookie session for a token pair. The family is a new session row of the same
 * user, aal and amr that ends no later than the cookie session would: the pair survives the
 * cookie's rotation (re-authentication, step-up, role change) and its sign-out, and ends with
 * sign-out everywhere, revocation by id, a password change, or its own expiry.
 */
export async function exchangeSession(
  db: Db,
  input: { session: SessionRecord; now: Date; actor: Actor },
  cfg: TokenConfig,
): Promise<IssuedTokenPair> {
  return db.transaction(async (tx) => {
    const family = await createSession(
      tx,
      {
        userId: input.session.userId,
        aal: input.session.aal,
        amr: input.session.amr,
        now: input.now,
        ip: input.actor.ip,
        userAgent: input.actor.userAgent,
        absoluteExpiresAt: input.session.absoluteExpiresAt,
        reauthenticatedAt: input.session.reauthenticatedAt,
      },
      cfg,
    );
    return issueTokenPair(
      tx,
      { sessionId: family.session.id, now: input.now, actor: input.actor, source: "session", derivedFromSessionId: input.session.id },
      cfg,
    );
  });
}

// --- refreshing ---------------------------------------------------------------------------------

export interface RefreshInput {
  readonly token: string;
  readonly now: Date;
  readonly actor: Actor;
  /**
   * The authenticated OpenID Connect client presenting the token, or null/absent for the
   * first-party token routes. A family is refreshed or revoked only by the client it was
   * issued to: a token of client A fails at client B, and an OIDC family fails at the API routes.
   */
  readonly clientId?: string | null;
}

function rateRule(cfg: TokenConfig) {
  return { limit: cfg.REFRESH_RATE_LIMIT_PER_WINDOW, windowSeconds: cfg.REFRESH_RATE_LIMIT_WINDOW_SECONDS };
}

function withinGrace(row: RefreshTokenRecord, now: Date, cfg: TokenConfig): boolean {
  return row.usedAt !== null && now.getTime() - row.usedAt.getTime() <= cfg.REFRESH_REUSE_GRACE_SECONDS * 1000;
}

/**
 * A refresh token in, a new pair out (or, inside the grace window, the pair already minted).
 * Rate limited per client IP. Failures: too_many_requests, invalid_refresh_token (unknown,
 * revoked, or its session ended), refresh_token_reused (the family has just been revoked).
 */
export async function refreshTokenPair(db: Db, input: RefreshInput, cfg: TokenConfig): Promise<Result<IssuedTokenPair>> {
  const rateLimit = { key: ipKey("token-refresh", input.actor.ip), rule: rateRule(cfg) };
  if (!REFRESH_TOKEN_PATTERN.test(input.token)) {
    const limit = await consumeRateLimit(db, rateLimit.key, rateLimit.rule, input.now);
    return limit.allowed ? err("invalid_refresh_token") : err("too_many_requests", limit.retryAfterSeconds);
  }
  const tokenHash = sha256Hex(input.token);
  const base = { actor: input.actor, now: input.now };

  // one statement counts the attempt and, within the limit, rotates an unspent token of a live family
  const fresh = randomToken(REFRESH_TOKEN_BYTES);
  const { limit, rotation: rotated } = await rotateRefreshToken(db, {
    tokenHash,
    childHash: sha256Hex(fresh),
    successorSealed: await sealSuccessor(input.token, tokenHash, fresh),
    now: input.now,
    idleTimeoutSeconds: { aal1: idleTimeoutSeconds(1, cfg), aal2: idleTimeoutSeconds(2, cfg) },
    ip: input.actor.ip,
    userAgent: input.actor.userAgent,
    requestId: input.actor.requestId,
    clientId: input.clientId ?? null,
    rateLimit,
  });
  if (!limit.allowed) return err("too_many_requests", limit.retryAfterSeconds);
  if (rotated) {
    const oauth = rotated.family.oauthClientId
      ? { clientId: rotated.family.oauthClientId, scope: (rotated.family.oauthScopes ?? []).join(" ") }
      : {};
    const access = await signAccessToken(
      await signingKeys(cfg),
      { userId: rotated.userId, sessionId: rotated.sessionId, roles: rotated.roles, aal: rotated.aal, amr: rotated.amr, ...oauth },
      input.now,
      cfg,
    );
    return ok({
      accessToken: access.token,
      expiresInSeconds: access.expiresInSeconds,
      refreshToken: fresh,
      refreshExpiresAt: rotated.idleExpiresAt,
      sessionId: rotated.sessionId,
    });
  }

  return db.transaction(async (tx): Promise<Result<IssuedTokenPair>> => {
    const fail = async (reason: string, row: RefreshTokenRecord | null) => {
      await recordAuditEvent(tx, {
        ...base,
        type: "refresh.failure",
        result: "failure",
        actorId: row?.userId ?? null,
        targetId: row?.userId ?? null,
        sessionId: row?.sessionId ?? null,
        details: { reason },
      });
      return err("invalid_refresh_token");
    };

    const seen = await findRefreshTokenByHash(tx, tokenHash);
    if (!seen) return fail("unknown_token", null);
    const family = await lockFamily(tx, seen.sessionId);
    const row = await lockRefreshTokenByHash(tx, tokenHash);
    const found = row ? await findSessionWithUser(tx, row.sessionId) : null;
    if (!row || !found || !family) return fail("unknown_token", null);
    if (family.oauthClientId !== (input.clientId ?? null)) return fail("wrong_client", row);
    const { session, user } = found;
    if (row.revokedAt !== null || session.revokedAt !== null) return fail("family_revoked", row);
    if (!user.active) return fail("user_inactive", row);
    if (input.now >= session.idleExpiresAt || input.now >= session.absoluteExpiresAt) return fail("session_expired", row);

    if (row.usedAt === null) {
      const child = randomToken(REFRESH_TOKEN_BYTES);
      const childId = await insertRefreshToken(tx, {
        sessionId: session.id,
        userId: user.id,
        parentId: row.id,
        tokenHash: sha256Hex(child),
        now: input.now,
      });
      if (!(await markRefreshTokenUsed(tx, row.id, input.now, await sealSuccessor(input.token, tokenHash, child)))) {
        throw new Error("refresh rotation lost its row lock");
      }
      const idle = addSeconds(input.now, idleTimeoutSeconds(session.aal, cfg));
      const idleExpiresAt =
        (await touchFamilySession(tx, session.id, input.now, idle < session.absoluteExpiresAt ? idle : session.absoluteExpiresAt)) ??
        session.idleExpiresAt;
      const access = await accessTokenFor(session, user, input.now, cfg, family);
      await recordAuditEvent(tx, {
        ...base,
        type: "refresh.rotated",
        result: "success",
        actorId: user.id,
        targetId: user.id,
        sessionId: session.id,
        details: { familyId: session.id, parentTokenId: row.id, tokenId: childId },
      });
      return ok({
        accessToken: access.token,
        expiresInSeconds: access.expiresInSeconds,
        refreshToken: child,
        refreshExpiresAt: idleExpiresAt,
        sessionId: session.id,
      });
    }

    const successor = await findSuccessor(tx, row.id);
    const successorLive = successor !== null && successor.usedAt === null && successor.revokedAt === null;
    if (withinGrace(row, input.now, cfg) && successorLive && row.successorSealed) {
      const child = await openSuccessor(input.token, { id: row.id, hash: tokenHash }, row.successorSealed);
      if (!child) return fail("successor_unreadable", row);
      const access = await accessTokenFor(session, user, input.now, cfg, family);
      return ok({
        accessToken: access.token,
        expiresInSeconds: access.expiresInSeconds,
        refreshToken: child,
        refreshExpiresAt: session.idleExpiresAt,
        sessionId: session.id,
      });
    }

    await revokeSessionById(tx, session.id, "refresh_reuse", input.now);
    await recordAuditEvent(tx, {
      ...base,
      type: "refresh.reuse_detected",
      result: "failure",
      actorId: user.id,
      targetId: user.id,
      sessionId: session.id,
      details: {
        familyId: session.id,
        tokenId: row.id,
        usedAt: row.usedAt.toISOString(),
        reason: successorLive ? "outside_grace_window" : "successor_already_used",
      },
    });
    return err("refresh_token_reused");
  });
}

/**
 * Revokes a refresh token's whole family and its session (RFC 7009 style). The caller answers
 * 200 whatever the outcome, so the route is no oracle for which tokens are valid; the result
 * says what happened, for the audit trail and tests.
 */
export async function revokeRefreshFamily(db: Db, input: RefreshInput, cfg: TokenConfig): Promise<Result<{ revoked: boolean }>> {
  const limit = await consumeRateLimit(db, ipKey("token-revoke", input.actor.ip), rateRule(cfg), input.now);
  if (!limit.allowed) return err("too_many_requests", limit.retryAfterSeconds);
  if (!REFRESH_TOKEN_PATTERN.test(input.token)) return ok({ revoked: false });
  return db.transaction(async (tx) => {
    const row = await findRefreshTokenByHash(tx, sha256Hex(input.token));
    if (!row) return ok({ revoked: false });
    const family = await findFamilyClient(tx, row.sessionId);
    if (family?.oauthClientId !== (input.clientId ?? null)) return ok({ revoked: false });
    const revoked = await revokeSessionById(tx, row.sessionId, "token_revoked", input.now);
    if (revoked) {
      await recordAuditEvent(tx, {
        type: "token.revoked",
        result: "success",
        actor: input.actor,
        actorId: row.userId,
        targetId: row.userId,
        sessionId: row.sessionId,
        now: input.now,
        details: { familyId: row.sessionId },
      });
    }
    return ok({ revoked });
  });
}
