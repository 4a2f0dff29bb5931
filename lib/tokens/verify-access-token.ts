/**
 * Verifying Portcullis access tokens from another Next.js site (its `proxy.ts`, middleware or
 * route handlers). Edge-safe: Web APIs and jose only, no Node built-ins, nothing from the
 * Portcullis server (no database, no configuration), so the file can be copied or imported as is.
 *
 * Model: an access token is a JWT (`typ: at+jwt`, RFC 9068) signed with EdDSA or ES256 by a key
 * published at the issuer's `/.well-known/jwks.json`. The verifier fetches that key set once and
 * caches it (jose `createRemoteJWKSet`: refetched when older than `cacheMaxAgeMs`, or when a token
 * names an unknown `kid`, at most once per `cooldownMs`), then verifies offline.
 *
 * Threats: forged tokens (signature over an allow-list of asymmetric algorithms only: `alg: none`
 * and HS256-with-the-public-key are refused), tokens minted for another service (`aud`) or by
 * another issuer (`iss`), expired or not-yet-valid tokens (`exp`, `nbf`), keys smuggled in the
 * token header (`jwk`, `jku`, `x5u` are never trusted: keys come only from the configured URL).
 * An access token cannot be revoked: it stays valid until `exp` (ACCESS_TOKEN_TTL_SECONDS).
 * References: RFC 7519, RFC 8725, RFC 9068; ASVS V9.1.1-V9.2.3 (SECURITY-CHECKLIST part 4, "JWT scope").
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

/** The only algorithms Portcullis signs with; anything else is refused before the key lookup. */
export const ACCESS_TOKEN_ALGORITHMS = ["EdDSA", "ES256"] as const;
/** The JWT `typ` header of an access token (RFC 9068), so no other JWT can pass as one. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

export interface AccessTokenClaims {
  /** Issuer: the Portcullis deployment's origin (or JWT_ISSUER). */
  readonly iss: string;
  readonly aud: string | readonly string[];
  /** The user id. */
  readonly sub: string;
  /** The session (refresh-token family) the token was issued for. */
  readonly sid: string;
  /** Issued at / expires at, seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** Role names at the time of issue (re-read from the database at every refresh). */
  readonly roles: readonly string[];
  /** Authenticator assurance level: 2 only after a verified second factor. */
  readonly aal: 1 | 2;
  /** Authentication methods, e.g. ["pwd"] or ["pwd", "otp"]. */
  readonly amr: readonly string[];
  /** Only on tokens issued to an OpenID Connect client: its id and the granted scopes (RFC 9068). */
  readonly client_id?: string;
  readonly scope?: string;
}

export type AccessTokenVerdict =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  /** expired: past `exp` (the client should refresh); invalid: anything else wrong with the token
   *  (signature, algorithm, type, issuer, audience, `nbf` in the future, claims);
   *  unavailable: the key set could not be fetched (answer 503, not 401). */
  | { readonly ok: false; readonly reason: "invalid" | "expired" | "unavailable" };

export interface VerifyExpectations {
  readonly issuer: string;
  readonly audience: string;
  /** The clock, for tests; defaults to now. */
  readonly now?: Date;
  /** Allowed clock skew between the issuer and this site, seconds (default 5). */
  readonly clockToleranceSeconds?: number;
}

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function claimsOf(payload: JWTPayload): AccessTokenClaims | null {
  const { iss, aud, sub, sid, iat, exp, jti, roles, aal, amr, client_id, scope } = payload as Record<string, unknown>;
  if (typeof iss !== "string" || typeof sub !== "string" || typeof sid !== "string" || typeof jti !== "string") return null;
  if (typeof iat !== "number" || typeof exp !== "number") return null;
  if (!(typeof aud === "string" || isStringArray(aud))) return null;
  if (!isStringArray(roles) || !isStringArray(amr) || (aal !== 1 && aal !== 2)) return null;
  if ((client_id !== undefined && typeof client_id !== "string") || (scope !== undefined && typeof scope !== "string")) return null;
  const oauth = typeof client_id === "string" ? { client_id, scope: typeof scope === "string" ? scope : "" } : {};
  return { iss, aud, sub, sid, iat, exp, jti, roles, aal, amr, ...oauth };
}

function verdictOf(error: unknown): AccessTokenVerdict {
  if (error instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return { ok: false, reason: "unavailable" };
  // The key-set fetch failed: a network error (TypeError from fetch), or a non-200 / non-JSON
  // answer (jose's generic JOSEError; every verification failure has a more specific class).
  if (error instanceof TypeError) return { ok: false, reason: "unavailable" };
  if (error instanceof errors.JOSEError && error.code === errors.JOSEError.code) return { ok: false, reason: "unavailable" };
  return { ok: false, reason: "invalid" };
}

/**
 * Verifies a token against a key (or key resolver) with the access-token rules. The shared core
 * of the remote verifier below and of the Portcullis server's own verification.
 */
export async function verifyAccessTokenWith(token: string, key: JWTVerifyGetKey, expect: VerifyExpectations): Promise<AccessTokenVerdict> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [...ACCESS_TOKEN_ALGORITHMS],
      typ: ACCESS_TOKEN_TYPE,
      issuer: expect.issuer,
      audience: expect.audience,
      requiredClaims: ["sub", "sid", "iat", "exp", "jti"],
      clockTolerance: expect.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
      ...(expect.now ? { currentDate: expect.now } : {}),
    });
    const claims = claimsOf(payload);
    return claims ? { ok: true, claims } : { ok: false, reason: "invalid" };
  } catch (error) {
    return verdictOf(error);
  }
}

/** The token from `Authorization: Bearer <token>`, or null. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  const match = header ? /^Bearer\s+([A-Za-z0-9_.-]+)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}

export interface AccessTokenVerifierOptions {
  /** e.g. "https://auth.example.com/.well-known/jwks.json" */
  readonly jwksUrl: string | URL;
  /** The issuer's JWT_ISSUER (default: its APP_URL origin, e.g. "https://auth.example.com"). */
  readonly issuer: string;
  /** The issuer's JWT_AUDIENCE (default "portcullis"). */
  readonly audience: string;
  /** Refetch the key set after this long even without an unknown kid (default 10 minutes). */
  readonly cacheMaxAgeMs?: number;
  /** Minimum time between fetches triggered by an unknown kid (default 30 seconds). */
  readonly cooldownMs?: number;
  /** Give up on a key-set fetch after this long (default 5 seconds). */
  readonly timeoutMs?: number;
  readonly clockToleranceSeconds?: number;
}

export interface AccessTokenVerifier {
  /** Verifies a token; never throws. */
  verify(token: string, options?: { now?: Date }): Promise<AccessTokenVerdict>;
  /** Verifies the request's `Authorization: Bearer` token; a missing header is "invalid". */
  verifyRequest(request: Request, options?: { now?: Date }): Promise<AccessTokenVerdict>;
}

const DEFAULT_CACHE_MAX_AGE_MS = 10 * 60 * 1000;
const DEFAULT_COOLDOWN_MS = 30 * 1000;
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * A verifier for one issuer. Create it once at module scope (not per request) so that the key
 * set is fetched once and shared by every request the instance serves.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), {
    cacheMaxAge: options.cacheMaxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS,
    cooldownDuration: options.cooldownMs ?? DEFAULT_COOLDOWN_MS,
    timeoutDuration: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const expectFor = (now?: Date): VerifyExpectations => ({
    issuer: options.issuer,
    audience: options.audience,
    ...(options.clockToleranceSeconds !== undefined ? { clockToleranceSeconds: options.clockToleranceSeconds } : {}),
    ...(now ? { now } : {}),
  });
  return {
    verify: (token, verifyOptions) => verifyAccessTokenWith(token, keys, expectFor(verifyOptions?.now)),
    verifyRequest: async (request, verifyOptions) => {
      const token = bearerToken(request);
      if (!token) return { ok: false, reason: "invalid" };
      return verifyAccessTokenWith(token, keys, expectFor(verifyOptions?.now));
    },
  };
}
