/**
 * The token endpoint, ID tokens, UserInfo and revocation of the OpenID Connect provider.
 *
 * authorization_code: the client authenticates (none for public clients, whose only proof is
 * PKCE; client_secret_basic / client_secret_post for confidential ones); the code must be
 * unexpired, issued to this client, for this redirect URI, and SHA-256(code_verifier) must
 * match its S256 challenge. A good code is spent by one guarded UPDATE; a code that is
 * presented again after it was spent revokes the refresh family and access the first use
 * minted (RFC 6749 §4.1.2, RFC 9700 §4.2.4) and answers invalid_grant. The first use creates
 * a family (a sessions row naming the client and scopes), an access token (RFC 9068 claims
 * with client_id and scope), an ID token (RS256) and, with offline_access only, a refresh
 * token. refresh_token: the existing rotation (lib/tokens/refresh.ts) with the family bound to
 * its client. Every grant and failure is audited; the endpoint is rate limited per IP.
 * References: RFC 6749 §3.2 and §5, RFC 7636 §4.6, OpenID Connect Core §3.1.3, RFC 7009.
 */
import { SignJWT, compactVerify, decodeJwt } from "jose";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex } from "../crypto/digest";
import { base64url, randomToken } from "../crypto/random";
import { consumeRateLimit, ipKey } from "../rate-limit/rate-limit";
import { createSession } from "../sessions/sessions";
import { findSessionWithUser, revokeSessionById } from "../sessions/queries";
import { ID_TOKEN_ALGORITHM, idTokenSigningKey, signingKeys, verifyAccessToken } from "../tokens/jwt";
import { accessTokenFor, refreshTokenPair, revokeRefreshFamily } from "../tokens/refresh";
import { insertRefreshToken } from "../tokens/refresh-queries";
import type { OAuthClientRecord } from "./clients";
import { findCodeByHash, linkFamilyToClient, markCodeUsed, setCodeFamily, type AuthorizationCodeRecord } from "./grant-queries";

const REFRESH_TOKEN_BYTES = 32;
const CODE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;

/** An OAuth error response (RFC 6749 §5.2): status 400, or 401 for invalid_client. */
export interface OAuthError {
  readonly error: "invalid_request" | "invalid_client" | "invalid_grant" | "unsupported_grant_type" | "invalid_scope" | "too_many_requests";
  readonly description: string;
  readonly retryAfterSeconds?: number;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: "Bearer";
  readonly expires_in: number;
  readonly scope: string;
  readonly id_token?: string;
  readonly refresh_token?: string;
}

export type TokenOutcome = { ok: true; value: TokenResponse } | { ok: false; error: OAuthError };

const fail = (error: OAuthError["error"], description: string, retryAfterSeconds?: number): TokenOutcome => ({
  ok: false,
  error: retryAfterSeconds === undefined ? { error, description } : { error, description, retryAfterSeconds },
});

export interface TokenRequest {
  readonly client: OAuthClientRecord;
  readonly form: URLSearchParams;
  readonly now: Date;
  readonly actor: Actor;
}

export function pkceChallengeOf(verifier: string): string {
  return base64url(sha256(utf8ToBytes(verifier)));
}

export async function rateLimitToken(db: Db, actor: Actor, now: Date, cfg: Config): Promise<OAuthError | null> {
  const limit = await consumeRateLimit(
    db,
    ipKey("oauth-token", actor.ip),
    { limit: cfg.OAUTH_RATE_LIMIT_PER_WINDOW, windowSeconds: cfg.OAUTH_RATE_LIMIT_WINDOW_SECONDS },
    now,
  );
  return limit.allowed
    ? null
    : { error: "too_many_requests", description: "too many requests", retryAfterSeconds: limit.retryAfterSeconds };
}

export async function exchangeToken(db: Db, req: TokenRequest, cfg: Config): Promise<TokenOutcome> {
  const grantType = req.form.get("grant_type");
  if (grantType === "authorization_code") return exchangeCode(db, req, cfg);
  if (grantType === "refresh_token") return refreshForClient(db, req, cfg);
  return fail("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
}

async function auditFailure(q: Queryable, req: TokenRequest, reason: string, userId: string | null = null): Promise<void> {
  await recordAuditEvent(q, {
    type: "oauth.token.failure",
    result: "failure",
    actor: req.actor,
    actorId: userId,
    targetId: userId,
    now: req.now,
    details: { reason, clientId: req.client.id, grantType: req.form.get("grant_type") },
  });
}

async function exchangeCode(db: Db, req: TokenRequest, cfg: Config): Promise<TokenOutcome> {
  const code = req.form.get("code");
  const redirectUri = req.form.get("redirect_uri");
  const verifier = req.form.get("code_verifier");
  if (!code || !redirectUri) return fail("invalid_request", "code and redirect_uri are required");
  if (!verifier) return fail("invalid_request", "code_verifier is required (PKCE)");
  if (!CODE_PATTERN.test(code)) {
    await auditFailure(db, req, "unknown_code");
    return fail("invalid_grant", "the code is invalid, expired or was already used");
  }
  const codeHash = sha256Hex(code);
  return db.transaction(async (tx): Promise<TokenOutcome> => {
    const invalid = async (reason: string, record: AuthorizationCodeRecord | null) => {
      await auditFailure(tx, req, reason, record?.userId ?? null);
      return fail("invalid_grant", "the code is invalid, expired or was already used");
    };
    const found = await findCodeByHash(tx, codeHash);
    if (!found) return invalid("unknown_code", null);
    if (found.usedAt !== null) return replayed(tx, req, codeHash);
    if (found.clientId !== req.client.id) return invalid("code_of_another_client", found);
    if (req.now >= found.expiresAt) return invalid("code_expired", found);
    if (found.redirectUri !== redirectUri) return invalid("redirect_uri_mismatch", found);
    if (!VERIFIER_PATTERN.test(verifier) || pkceChallengeOf(verifier) !== found.codeChallenge) return invalid("pkce_mismatch", found);
    const spent = await markCodeUsed(tx, codeHash, req.now);
    if (!spent) return replayed(tx, req, codeHash);
    const browser = await findSessionWithUser(tx, spent.browserSessionId);
    if (!browser?.user.active) return invalid("user_inactive", spent);

    const aal = spent.acr === "aal2" ? 2 : 1;
    const family = await createSession(
      tx,
      {
        userId: spent.userId,
        aal,
        amr: spent.amr,
        now: req.now,
        ip: req.actor.ip,
        userAgent: req.actor.userAgent,
        reauthenticatedAt: spent.authTime,
      },
      cfg,
    );
    await linkFamilyToClient(tx, family.session.id, req.client.id, spent.scopes);
    await setCodeFamily(tx, codeHash, family.session.id);
    const user = browser.user;
    const access = await accessTokenFor(family.session, user, req.now, cfg, { oauthClientId: req.client.id, oauthScopes: spent.scopes });
    let refreshToken: string | undefined;
    if (spent.scopes.includes("offline_access")) {
      refreshToken = randomToken(REFRESH_TOKEN_BYTES);
      await insertRefreshToken(tx, {
        sessionId: family.session.id,
        userId: user.id,
        parentId: null,
        tokenHash: sha256Hex(refreshToken),
        now: req.now,
      });
    }
    const idToken = await signIdToken(cfg, {
      clientId: req.client.id,
      userId: user.id,
      now: req.now,
      authTime: spent.authTime,
      nonce: spent.nonce,
      acr: spent.acr,
      amr: spent.amr,
      sid: spent.browserSessionId,
      scopes: spent.scopes,
      email: user.email,
      emailVerified: user.emailVerified,
      name: user.name,
    });
    await recordAuditEvent(tx, {
      type: "oauth.token.issued",
      result: "success",
      actor: req.actor,
      actorId: user.id,
      targetId: user.id,
      sessionId: family.session.id,
      now: req.now,
      details: { clientId: req.client.id, grantType: "authorization_code", scopes: spent.scopes, refreshToken: refreshToken !== undefined },
    });
    return {
      ok: true,
      value: {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: access.expiresInSeconds,
        scope: spent.scopes.join(" "),
        id_token: idToken,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
      },
    };
  });
}

/** A spent code presented again: whoever holds it is not the client that used it first. */
async function replayed(tx: Queryable, req: TokenRequest, codeHash: string): Promise<TokenOutcome> {
  const record = await findCodeByHash(tx, codeHash);
  const familyRevoked = record?.familySessionId ? await revokeSessionById(tx, record.familySessionId, "token_revoked", req.now) : false;
  await recordAuditEvent(tx, {
    type: "oauth.code.replayed",
    result: "failure",
    actor: req.actor,
    actorId: record?.userId ?? null,
    targetId: record?.userId ?? null,
    sessionId: record?.familySessionId ?? null,
    now: req.now,
    details: { clientId: req.client.id, codeClientId: record?.clientId ?? null, familyRevoked },
  });
  return fail("invalid_grant", "the code is invalid, expired or was already used");
}

async function refreshForClient(db: Db, req: TokenRequest, cfg: Config): Promise<TokenOutcome> {
  const token = req.form.get("refresh_token");
  if (!token) return fail("invalid_request", "refresh_token is required");
  if (req.form.has("scope")) {
    // narrowing scopes on refresh is not supported: ask for no more than the family has
    return fail("invalid_scope", "scope cannot be changed on refresh");
  }
  const result = await refreshTokenPair(db, { token, now: req.now, actor: req.actor, clientId: req.client.id }, cfg);
  if (!result.ok) {
    if (result.error === "too_many_requests") return fail("too_many_requests", "too many requests", result.retryAfterSeconds);
    return fail(
      "invalid_grant",
      result.error === "refresh_token_reused"
        ? "the refresh token was already used; the grant has been revoked"
        : "the refresh token is invalid or expired",
    );
  }
  const pair = result.value;
  const scope = (decodeJwt(pair.accessToken).scope as string | undefined) ?? "";
  return {
    ok: true,
    value: {
      access_token: pair.accessToken,
      token_type: "Bearer",
      expires_in: pair.expiresInSeconds,
      scope,
      refresh_token: pair.refreshToken,
    },
  };
}

// --- ID tokens ----------------------------------------------------------------------------------

export interface IdTokenClaimsInput {
  readonly clientId: string;
  readonly userId: string;
  readonly now: Date;
  readonly authTime: Date;
  readonly nonce: string | null;
  readonly acr: string;
  readonly amr: readonly string[];
  readonly sid: string;
  readonly scopes: readonly string[];
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string | null;
}

/** An ID token (OpenID Connect Core §2), RS256 with the ring's active RS256 key, as long as an access token. */
export async function signIdToken(cfg: Config, c: IdTokenClaimsInput): Promise<string> {
  const key = idTokenSigningKey(await signingKeys(cfg), c.now);
  const iat = Math.floor(c.now.getTime() / 1000);
  const claims: Record<string, unknown> = {
    auth_time: Math.floor(c.authTime.getTime() / 1000),
    acr: c.acr,
    amr: [...c.amr],
    sid: c.sid,
    ...scopedClaims(c),
  };
  if (c.nonce !== null) claims.nonce = c.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ID_TOKEN_ALGORITHM, kid: key.kid, typ: "JWT" })
    .setIssuer(cfg.issuer)
    .setSubject(c.userId)
    .setAudience(c.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + cfg.ACCESS_TOKEN_TTL_SECONDS)
    .sign(key.privateKey);
}

function scopedClaims(c: {
  scopes: readonly string[];
  email: string;
  emailVerified: boolean;
  name: string | null;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.scopes.includes("email")) {
    out.email = c.email;
    out.email_verified = c.emailVerified;
  }
  if (c.scopes.includes("profile") && c.name !== null) out.name = c.name;
  return out;
}

/**
 * An ID token this server issued, checked for the signature, issuer and audience but NOT for
 * expiry: RP-initiated logout accepts an expired id_token_hint (OpenID RP-Initiated Logout §2).
 */
export async function readIdTokenHint(cfg: Config, token: string): Promise<{ sub: string; aud: string; sid: string | null } | null> {
  try {
    const ring = await signingKeys(cfg);
    const { protectedHeader } = await compactVerify(
      token,
      async (header) => {
        const key = ring.keys.find((k) => k.kid === header.kid && k.alg === ID_TOKEN_ALGORITHM && header.alg === ID_TOKEN_ALGORITHM);
        if (!key) throw new Error("unknown key");
        return crypto.subtle.importKey("jwk", { ...key.publicJwk } as JsonWebKey, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
          "verify",
        ]);
      },
      { algorithms: [ID_TOKEN_ALGORITHM] },
    );
    if (protectedHeader.alg !== ID_TOKEN_ALGORITHM) return null;
    const claims = decodeJwt(token);
    if (claims.iss !== cfg.issuer || typeof claims.sub !== "string" || typeof claims.aud !== "string") return null;
    return { sub: claims.sub, aud: claims.aud, sid: typeof claims.sid === "string" ? claims.sid : null };
  } catch {
    return null;
  }
}

// --- UserInfo -----------------------------------------------------------------------------------

/** The claims of the access token's user, by its scopes; null for a bad, expired or revoked token. */
export async function userInfo(db: Db, accessToken: string, now: Date, cfg: Config): Promise<Record<string, unknown> | null> {
  const verdict = await verifyAccessToken(await signingKeys(cfg), accessToken, now, cfg);
  if (!verdict.ok) return null;
  const claims = verdict.claims;
  if (claims.client_id === undefined || claims.scope === undefined) return null;
  const scopes = claims.scope.split(" ");
  if (!scopes.includes("openid")) return null;
  const found = await findSessionWithUser(db, claims.sid);
  if (!found || found.session.revokedAt !== null || !found.user.active || found.user.id !== claims.sub) return null;
  if (now >= found.session.absoluteExpiresAt) return null;
  const user = found.user;
  return { sub: user.id, ...scopedClaims({ scopes, email: user.email, emailVerified: user.emailVerified, name: user.name }) };
}

// --- revocation (RFC 7009) ----------------------------------------------------------------------

/** Revokes a refresh token's family if it belongs to this client; always "done" for the caller. */
export async function revokeForClient(
  db: Db,
  client: OAuthClientRecord,
  token: string,
  now: Date,
  actor: Actor,
  cfg: Config,
): Promise<{ ok: true } | { ok: false; error: OAuthError }> {
  const result = await revokeRefreshFamily(db, { token, now, actor, clientId: client.id }, cfg);
  if (!result.ok)
    return {
      ok: false,
      error: { error: "too_many_requests", description: "too many requests", retryAfterSeconds: result.retryAfterSeconds },
    };
  return { ok: true };
}
