/**
 * Access tokens: short-lived JWTs for other sites and API clients, verified offline against
 * the public keys at /.well-known/jwks.json.
 *
 * Model: JWT_SIGNING_KEYS is a JSON array of private JWKs, newest first, each with a `kid` and
 * `alg` EdDSA (Ed25519) or ES256 (P-256) for access tokens, or RS256 (RSA, >= 2048 bits) for
 * OpenID Connect ID tokens (RS256 is the one algorithm every OIDC client must accept, and the
 * default openid-client and Auth.js expect). A key may carry `activeFrom` (an ISO 8601 time):
 * it is published at once but signs only from that time on. Of each kind, the first key
 * whose `activeFrom` has passed (or that has none) signs; every key is published. So a
 * rotation is one deploy that adds the next key first with `activeFrom` at least the
 * verifiers' key-set cache age ahead (JWKS_MAX_AGE_SECONDS plus jose's 30 s cooldown): by
 * the time it signs, every verifier that looked at the key set has it, and no verifier ever
 * meets an unknown `kid`. The old key stays listed until every token it signed has expired
 * (the token lifetime plus that cache age), then a later deploy drops it. In development and
 * tests, with the variable unset, one EdDSA and one RS256 key are generated per process and
 * their kids printed once. Keys are parsed and imported once per process (kept on globalThis, so
 * every route bundle shares them): import is the slow part, signing is not.
 * Claims: iss, aud, sub (user id), sid (session = refresh family), iat, exp, jti, roles, aal, amr;
 * header typ "at+jwt" (RFC 9068) and kid.
 *
 * Threats: algorithm confusion and `alg: none` (verification allow-lists EdDSA/ES256), key
 * substitution through the token header (keys come only from this ring), tokens for other
 * audiences or issuers, private key material in the JWKS (only public members are copied out).
 * A JWT cannot be revoked: its lifetime is the revocation delay (default 300 s), so it is short.
 * References: RFC 7519, RFC 8725, RFC 9068; ASVS V9; DESIGN.md "Access token".
 */
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";
import { z } from "zod";
import type { Config } from "../config";
import { addSeconds } from "../clock";
import { randomToken } from "../crypto/random";
import { ACCESS_TOKEN_TYPE, verifyAccessTokenWith, type AccessTokenClaims, type AccessTokenVerdict } from "./verify-access-token";

export type SigningAlgorithm = "EdDSA" | "ES256" | "RS256";
/** What access tokens are signed with (verify-access-token.ts allow-lists exactly these). */
export type AccessTokenAlgorithm = "EdDSA" | "ES256";
/** What OpenID Connect ID tokens are signed with. */
export const ID_TOKEN_ALGORITHM = "RS256";

/** A public key as published in the JWKS. */
export interface PublicSigningJwk {
  readonly kty: "OKP" | "EC" | "RSA";
  readonly crv?: "Ed25519" | "P-256";
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: "sig";
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: PublicSigningJwk;
  /** Published from the start, signs only from this time on (null: signs at once). */
  readonly activeFrom: Date | null;
}

export interface KeyRing {
  /** The first access-token key (EdDSA/ES256) in the list; signing picks by time (accessSigningKey). */
  readonly current: SigningKey;
  /** Every configured key, newest first: all are published and accepted. */
  readonly keys: readonly SigningKey[];
  /** The public keys as a jose key resolver (imported once, on first use). */
  readonly resolver: JWTVerifyGetKey;
}

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);
const kid = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "kid: 1-128 characters of [A-Za-z0-9._:-]");
const activeFrom = z.iso.datetime({ offset: true }).optional();
const RSA_MIN_MODULUS_CHARS = 342; // 2048 bits in base64url
const privateJwk = z.discriminatedUnion("alg", [
  z.object({ alg: z.literal("EdDSA"), kid, kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: b64u, d: b64u, activeFrom }),
  z.object({ alg: z.literal("ES256"), kid, kty: z.literal("EC"), crv: z.literal("P-256"), x: b64u, y: b64u, d: b64u, activeFrom }),
  z.object({
    alg: z.literal("RS256"),
    kid,
    kty: z.literal("RSA"),
    n: b64u.min(RSA_MIN_MODULUS_CHARS, "RS256 keys need at least 2048 bits"),
    e: b64u,
    d: b64u,
    p: b64u,
    q: b64u,
    dp: b64u,
    dq: b64u,
    qi: b64u,
    activeFrom,
  }),
]);
const keySet = z
  .array(privateJwk)
  .min(1)
  .max(10)
  .refine((keys) => keys.some((k) => k.alg !== "RS256"), "at least one EdDSA or ES256 key is needed (access tokens)");

type PrivateSigningJwk = z.infer<typeof privateJwk>;

/** Parses JWT_SIGNING_KEYS; throws an error that names the variable (never the key material). */
export function parseSigningKeys(text: string): PrivateSigningJwk[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("JWT_SIGNING_KEYS: not valid JSON (expected an array of private JWKs; run `npm run secrets`)");
  }
  const parsed = keySet.safeParse(data);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join(".") || "(array)"}: ${i.message}`).join("; ");
    throw new Error(`JWT_SIGNING_KEYS: ${where}`);
  }
  const kids = parsed.data.map((k) => k.kid);
  if (new Set(kids).size !== kids.length) throw new Error("JWT_SIGNING_KEYS: every key needs a distinct kid");
  return parsed.data;
}

function publicPart(jwk: PrivateSigningJwk): PublicSigningJwk {
  if (jwk.alg === "EdDSA") return { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: jwk.kid, alg: "EdDSA", use: "sig" };
  if (jwk.alg === "ES256") return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid: jwk.kid, alg: "ES256", use: "sig" };
  return { kty: "RSA", n: jwk.n, e: jwk.e, kid: jwk.kid, alg: "RS256", use: "sig" };
}

async function importSigningKey(jwk: PrivateSigningJwk): Promise<SigningKey> {
  const { activeFrom: from, ...material } = jwk;
  const privateKey = (await importJWK({ ...material, ext: false } as JWK, jwk.alg)) as CryptoKey;
  return { kid: jwk.kid, alg: jwk.alg, privateKey, publicJwk: publicPart(jwk), activeFrom: from ? new Date(from) : null };
}

const RSA_MODULUS_BITS = 2048;

/** A fresh private signing JWK with its kid (the RFC 7638 thumbprint): for `npm run secrets` and development. */
export async function generateSigningJwk(alg: SigningAlgorithm = "EdDSA"): Promise<PrivateSigningJwk> {
  const { privateKey } = await generateKeyPair(
    alg,
    alg === "RS256" ? { extractable: true, modulusLength: RSA_MODULUS_BITS } : { extractable: true },
  );
  const jwk = await exportJWK(privateKey);
  const thumbprint = await calculateJwkThumbprint(jwk);
  return privateJwk.parse({ ...jwk, kid: thumbprint, alg });
}

const RING = Symbol.for("portcullis.jwt.keyring");
type RingHolder = { [RING]?: Map<string, Promise<KeyRing>> };
const GENERATED = "(generated)";

async function buildRing(source: string | undefined): Promise<KeyRing> {
  let jwks: PrivateSigningJwk[];
  if (source === undefined) {
    jwks = [await generateSigningJwk("EdDSA"), await generateSigningJwk("RS256")];
    console.info(
      JSON.stringify({
        level: "info",
        message:
          "JWT_SIGNING_KEYS is unset: generated an EdDSA (access tokens) and an RS256 (ID tokens) signing key for this " +
          "process (tokens die with them; run `npm run secrets` to configure them)",
        kids: jwks.map((k) => k.kid),
      }),
    );
  } else {
    jwks = parseSigningKeys(source);
  }
  const keys = await Promise.all(jwks.map(importSigningKey));
  return {
    current: keys.find((k) => k.alg !== "RS256")!,
    keys,
    resolver: createLocalJWKSet({ keys: keys.map((k) => ({ ...k.publicJwk }) as JWK) }),
  };
}

/**
 * The process's key ring, imported once. Production config refuses to start without
 * JWT_SIGNING_KEYS (lib/config.ts), so the generated key exists only in development and tests.
 */
export function signingKeys(cfg: Pick<Config, "JWT_SIGNING_KEYS" | "production">): Promise<KeyRing> {
  if (cfg.production && !cfg.JWT_SIGNING_KEYS) throw new Error("JWT_SIGNING_KEYS is required in production (run `npm run secrets`)");
  const holder = globalThis as RingHolder;
  if (!holder[RING]) holder[RING] = new Map();
  const rings = holder[RING];
  const id = cfg.JWT_SIGNING_KEYS ?? GENERATED;
  let ring = rings.get(id);
  if (!ring) {
    ring = buildRing(cfg.JWT_SIGNING_KEYS);
    rings.set(id, ring);
    ring.catch(() => rings.delete(id));
  }
  return ring;
}

/** The public key set: only public members (kty, crv, x, y, kid, alg, use) of every key. */
export function publicJwks(ring: KeyRing): { keys: PublicSigningJwk[] } {
  return { keys: ring.keys.map((k) => ({ ...k.publicJwk })) };
}

function signingKeyAt(ring: KeyRing, accepts: (alg: SigningAlgorithm) => boolean, now: Date, what: string): SigningKey {
  const key = ring.keys.find((k) => accepts(k.alg) && (k.activeFrom === null || k.activeFrom <= now));
  if (!key) throw new Error(`JWT_SIGNING_KEYS: no ${what} key is active at ${now.toISOString()} (every one has a later activeFrom)`);
  return key;
}

/** The key that signs access tokens at `now`: the first EdDSA/ES256 key whose activeFrom has passed. */
export function accessSigningKey(ring: KeyRing, now: Date): SigningKey {
  return signingKeyAt(ring, (alg) => alg !== "RS256", now, "EdDSA/ES256 (access-token)");
}

/** The key that signs ID tokens at `now`: the first RS256 key whose activeFrom has passed. */
export function idTokenSigningKey(ring: KeyRing, now: Date): SigningKey {
  if (!ring.keys.some((k) => k.alg === ID_TOKEN_ALGORITHM)) {
    throw new Error("JWT_SIGNING_KEYS has no RS256 key: OpenID Connect ID tokens need one (run `npm run secrets`)");
  }
  return signingKeyAt(ring, (alg) => alg === ID_TOKEN_ALGORITHM, now, "RS256 (ID-token)");
}

export type TokenSettings = Pick<Config, "issuer" | "JWT_AUDIENCE" | "ACCESS_TOKEN_TTL_SECONDS">;

export interface AccessTokenSubject {
  readonly userId: string;
  readonly sessionId: string;
  readonly roles: readonly string[];
  readonly aal: 1 | 2;
  readonly amr: readonly string[];
  /** For a token issued to an OpenID Connect client: its id and the granted scopes (RFC 9068 client_id, scope). */
  readonly clientId?: string;
  readonly scope?: string;
}

export interface SignedAccessToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly expiresInSeconds: number;
}

/** Signs an access token with the ring's current key, valid from `now` for ACCESS_TOKEN_TTL_SECONDS. */
export async function signAccessToken(
  ring: KeyRing,
  subject: AccessTokenSubject,
  now: Date,
  cfg: TokenSettings,
): Promise<SignedAccessToken> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + cfg.ACCESS_TOKEN_TTL_SECONDS;
  const key = accessSigningKey(ring, now);
  const oauth = subject.clientId ? { client_id: subject.clientId, scope: subject.scope ?? "" } : {};
  const token = await new SignJWT({ sid: subject.sessionId, roles: [...subject.roles], aal: subject.aal, amr: [...subject.amr], ...oauth })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(cfg.issuer)
    .setAudience(cfg.JWT_AUDIENCE)
    .setSubject(subject.userId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(randomToken(16))
    .sign(key.privateKey);
  return {
    token,
    expiresAt: addSeconds(new Date(iat * 1000), cfg.ACCESS_TOKEN_TTL_SECONDS),
    expiresInSeconds: cfg.ACCESS_TOKEN_TTL_SECONDS,
  };
}

/** Verifies an access token against this ring's published keys, with the same rules as the edge helper. */
export function verifyAccessToken(
  ring: KeyRing,
  token: string,
  now: Date,
  cfg: Pick<Config, "issuer" | "JWT_AUDIENCE">,
): Promise<AccessTokenVerdict> {
  return verifyAccessTokenWith(token, ring.resolver, {
    issuer: cfg.issuer,
    audience: cfg.JWT_AUDIENCE,
    now,
    clockToleranceSeconds: 0,
  });
}

export type { AccessTokenClaims, AccessTokenVerdict };
