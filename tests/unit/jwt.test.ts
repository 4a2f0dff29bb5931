/**
 * Access tokens (lib/tokens/jwt.ts) and the edge verification helper
 * (lib/tokens/verify-access-token.ts): claims, algorithm allow-list, audience/issuer/time checks,
 * key rotation, the JWKS shape, and the helper against a real JWKS HTTP server. ASVS V9.1-V9.2.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import {
  SignJWT,
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import {
  accessSigningKey,
  generateSigningJwk,
  idTokenSigningKey,
  parseSigningKeys,
  publicJwks,
  signAccessToken,
  signingKeys,
  verifyAccessToken,
  type KeyRing,
} from "../../lib/tokens/jwt";
import { bearerToken, createAccessTokenVerifier } from "../../lib/tokens/verify-access-token";

const ISSUER = "https://auth.example.test";
const AUDIENCE = "portcullis";
const TTL = 300;
const settings = { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE, ACCESS_TOKEN_TTL_SECONDS: TTL };
const subject = {
  userId: "6f1c2a4e-8d0b-4b8e-9a51-2b8f0a1c9d11",
  sessionId: "AAAAAAAAAAAAAAAAAAAAAA",
  roles: ["user"],
  aal: 1 as const,
  amr: ["pwd"],
};
const NOW = new Date("2026-03-01T12:00:00Z");

function ringFor(...jwks: JWK[]): Promise<KeyRing> {
  return signingKeys({ JWT_SIGNING_KEYS: JSON.stringify(jwks), production: false });
}

function unsignedToken(header: object, payload: object, signature = ""): string {
  const enc = (o: object) => base64url.encode(JSON.stringify(o));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

function claimsAt(now: Date, overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(now.getTime() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: subject.userId,
    sid: subject.sessionId,
    iat,
    exp: iat + TTL,
    jti: "j1",
    roles: ["user"],
    aal: 1,
    amr: ["pwd"],
    ...overrides,
  };
}

let oldKey: JWK;
let newKey: JWK;
let ring: KeyRing;

beforeAll(async () => {
  oldKey = await generateSigningJwk("EdDSA");
  newKey = await generateSigningJwk("EdDSA");
  ring = await ringFor(oldKey);
});

describe("access tokens", () => {
  it("carries iss, aud, sub, sid, iat, exp, jti, roles, aal and amr, typed at+jwt and signed by the first key's kid", async () => {
    const signed = await signAccessToken(ring, { ...subject, roles: ["admin", "user"], aal: 2, amr: ["pwd", "otp"] }, NOW, settings);
    const header = decodeProtectedHeader(signed.token);
    expect(header).toEqual({ alg: "EdDSA", kid: oldKey.kid, typ: "at+jwt" });
    const verdict = await verifyAccessToken(ring, signed.token, NOW, { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE });
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    const iat = Math.floor(NOW.getTime() / 1000);
    expect(verdict.claims).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: subject.userId,
      sid: subject.sessionId,
      iat,
      exp: iat + TTL,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      roles: ["admin", "user"],
      aal: 2,
      amr: ["pwd", "otp"],
    });
    expect(signed.expiresInSeconds).toBe(TTL);
    expect(signed.expiresAt.getTime()).toBe((iat + TTL) * 1000);
  });

  it("gives every token its own jti", async () => {
    const a = await signAccessToken(ring, subject, NOW, settings);
    const b = await signAccessToken(ring, subject, NOW, settings);
    const jti = async (t: string) => {
      const v = await verifyAccessToken(ring, t, NOW, { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE });
      return v.ok ? v.claims.jti : null;
    };
    expect(await jti(a.token)).not.toBe(await jti(b.token));
  });

  it("rejects alg none, with or without a signature part", async () => {
    const payload = claimsAt(NOW);
    for (const header of [
      { alg: "none", typ: "at+jwt" },
      { alg: "none", kid: oldKey.kid, typ: "at+jwt" },
      { alg: "NONE", typ: "at+jwt" },
    ]) {
      for (const signature of ["", "e30"]) {
        const verdict = await verifyAccessToken(ring, unsignedToken(header, payload, signature), NOW, {
          issuer: ISSUER,
          JWT_AUDIENCE: AUDIENCE,
        });
        expect(verdict).toEqual({ ok: false, reason: "invalid" });
      }
    }
  });

  it("rejects HS256 tokens MACed with the public key in any encoding (algorithm confusion)", async () => {
    const publicJwk = publicJwks(ring).keys[0]!;
    const publicKey = await importJWK({ ...publicJwk }, "EdDSA");
    const secrets = [
      base64url.decode(publicJwk.x!),
      new TextEncoder().encode(publicJwk.x!),
      new TextEncoder().encode(JSON.stringify(publicJwk)),
      new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey)),
    ];
    for (const secret of secrets) {
      for (const alg of ["HS256", "HS512"]) {
        const forged = await new SignJWT(claimsAt(NOW)).setProtectedHeader({ alg, kid: oldKey.kid, typ: "at+jwt" }).sign(secret);
        expect(await verifyAccessToken(ring, forged, NOW, { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE })).toEqual({
          ok: false,
          reason: "invalid",
        });
      }
    }
  });

  it("rejects a token signed by another key, even when its header names a published kid or embeds its own jwk", async () => {
    const attacker = await generateKeyPair("EdDSA", { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const headers = [
      { alg: "EdDSA", kid: oldKey.kid, typ: "at+jwt" },
      { alg: "EdDSA", kid: await calculateJwkThumbprint(attackerJwk), typ: "at+jwt", jwk: attackerJwk },
      { alg: "EdDSA", kid: oldKey.kid, typ: "at+jwt", jwk: attackerJwk },
      { alg: "EdDSA", kid: oldKey.kid, typ: "at+jwt", jku: "https://evil.example/jwks.json" },
    ];
    for (const header of headers) {
      const forged = await new SignJWT(claimsAt(NOW)).setProtectedHeader(header).sign(attacker.privateKey);
      expect(await verifyAccessToken(ring, forged, NOW, { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });

  it("rejects a token for another audience or from another issuer", async () => {
    const signed = await signAccessToken(ring, subject, NOW, settings);
    expect(await verifyAccessToken(ring, signed.token, NOW, { issuer: ISSUER, JWT_AUDIENCE: "another-service" })).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await verifyAccessToken(ring, signed.token, NOW, { issuer: "https://evil.example", JWT_AUDIENCE: AUDIENCE })).toEqual({
      ok: false,
      reason: "invalid",
    });
    const otherAudience = await signAccessToken(ring, subject, NOW, { ...settings, JWT_AUDIENCE: "another-service" });
    expect(await verifyAccessToken(ring, otherAudience.token, NOW, { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("rejects an expired token, and accepts it up to its last second", async () => {
    const signed = await signAccessToken(ring, subject, NOW, settings);
    const cfg = { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE };
    expect((await verifyAccessToken(ring, signed.token, new Date(NOW.getTime() + (TTL - 1) * 1000), cfg)).ok).toBe(true);
    expect(await verifyAccessToken(ring, signed.token, new Date(NOW.getTime() + TTL * 1000), cfg)).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(await verifyAccessToken(ring, signed.token, new Date(NOW.getTime() + 3600 * 1000), cfg)).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("rejects a token whose nbf is in the future", async () => {
    const key = ring.current;
    const nbf = Math.floor(NOW.getTime() / 1000) + 60;
    const early = await new SignJWT(claimsAt(NOW, { nbf }))
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "at+jwt" })
      .sign(key.privateKey);
    const cfg = { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE };
    expect(await verifyAccessToken(ring, early, NOW, cfg)).toEqual({ ok: false, reason: "invalid" });
    expect((await verifyAccessToken(ring, early, new Date((nbf + 1) * 1000), cfg)).ok).toBe(true);
  });

  it("rejects a JWT that is not an access token (no typ at+jwt) or lacks the session claims", async () => {
    const key = ring.current;
    const plainJwt = await new SignJWT(claimsAt(NOW)).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" }).sign(key.privateKey);
    const noSid = await new SignJWT(claimsAt(NOW, { sid: undefined }))
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "at+jwt" })
      .sign(key.privateKey);
    const badAal = await new SignJWT(claimsAt(NOW, { aal: 3 }))
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "at+jwt" })
      .sign(key.privateKey);
    for (const token of [plainJwt, noSid, badAal]) {
      expect(await verifyAccessToken(ring, token, NOW, { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });

  it("signs and verifies with ES256 keys too", async () => {
    const es = await generateSigningJwk("ES256");
    const esRing = await ringFor(es);
    const signed = await signAccessToken(esRing, subject, NOW, settings);
    expect(decodeProtectedHeader(signed.token)).toMatchObject({ alg: "ES256", kid: es.kid });
    expect((await verifyAccessToken(esRing, signed.token, NOW, { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE })).ok).toBe(true);
  });
});

describe("key rotation", () => {
  it("keeps verifying tokens signed by the old key while it is published, signs with the new first key, and refuses old tokens once the old key is dropped", async () => {
    const oldToken = (await signAccessToken(ring, subject, NOW, settings)).token;
    const rotated = await ringFor(newKey, oldKey);
    expect(publicJwks(rotated).keys.map((k) => k.kid)).toEqual([newKey.kid, oldKey.kid]);
    const newToken = (await signAccessToken(rotated, subject, NOW, settings)).token;
    expect(decodeProtectedHeader(newToken).kid).toBe(newKey.kid);
    const cfg = { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE };
    expect((await verifyAccessToken(rotated, oldToken, NOW, cfg)).ok).toBe(true);
    expect((await verifyAccessToken(rotated, newToken, NOW, cfg)).ok).toBe(true);
    const retired = await ringFor(newKey);
    expect(await verifyAccessToken(retired, oldToken, NOW, cfg)).toEqual({ ok: false, reason: "invalid" });
    expect((await verifyAccessToken(retired, newToken, NOW, cfg)).ok).toBe(true);
  });
});

describe("signing keys", () => {
  it("publishes only the public members of every key", async () => {
    const es = await generateSigningJwk("ES256");
    const both = await ringFor(newKey, es);
    const jwks = publicJwks(both);
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(
        key.kty === "EC" ? ["alg", "crv", "kid", "kty", "use", "x", "y"] : ["alg", "crv", "kid", "kty", "use", "x"],
      );
      expect(key).not.toHaveProperty("d");
      expect(key.use).toBe("sig");
    }
    expect(JSON.stringify(jwks)).not.toContain((newKey as { d: string }).d);
    expect(JSON.stringify(jwks)).not.toContain((es as { d: string }).d);
  });

  it("imports the configured keys once per process", async () => {
    const source = JSON.stringify([newKey]);
    const first = signingKeys({ JWT_SIGNING_KEYS: source, production: false });
    const second = signingKeys({ JWT_SIGNING_KEYS: source, production: false });
    expect(second).toBe(first);
    expect((await first).current.privateKey).toBe((await second).current.privateKey);
  });

  it("generates one EdDSA and one RS256 key per process when unset outside production, and refuses to run without keys in production", async () => {
    const a = await signingKeys({ JWT_SIGNING_KEYS: undefined, production: false });
    const b = await signingKeys({ JWT_SIGNING_KEYS: undefined, production: false });
    expect(a).toBe(b);
    expect(a.current.alg).toBe("EdDSA");
    expect(a.keys.map((k) => k.alg)).toEqual(["EdDSA", "RS256"]);
    expect(() => signingKeys({ JWT_SIGNING_KEYS: undefined, production: true })).toThrow(/JWT_SIGNING_KEYS/);
  });

  it("refuses malformed JWT_SIGNING_KEYS with an error that names the variable and never the key", async () => {
    const hs = { kty: "oct", k: "c2VjcmV0", kid: "h1", alg: "HS256" };
    const publicOnly = { ...publicJwks(ring).keys[0]! };
    const { kid: _kid, ...noKid } = newKey as JWK & { kid: string };
    const cases = [
      "not json",
      "[]",
      JSON.stringify([hs]),
      JSON.stringify([publicOnly]),
      JSON.stringify([noKid]),
      JSON.stringify([newKey, newKey]),
    ];
    for (const text of cases) {
      expect(() => parseSigningKeys(text)).toThrow(/^JWT_SIGNING_KEYS/);
      try {
        parseSigningKeys(text);
      } catch (error) {
        expect(String(error)).not.toContain((newKey as { d: string }).d);
      }
    }
  });
});

describe("createAccessTokenVerifier (the edge helper) against a JWKS server", () => {
  let server: Server;
  let jwksUrl: string;
  let served: KeyRing;
  let fetches = 0;

  beforeAll(async () => {
    served = await ringFor(newKey, oldKey);
    server = createServer((req, res) => {
      fetches++;
      if (req.url !== "/.well-known/jwks.json") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(publicJwks(served)));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("verifies tokens from every published key and fetches the key set once for many verifications", async () => {
    const verifier = createAccessTokenVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const now = new Date();
    const byOld = (await signAccessToken(ring, subject, now, settings)).token;
    const byNew = (await signAccessToken(served, subject, now, settings)).token;
    const before = fetches;
    for (let i = 0; i < 20; i++) {
      const verdict = await verifier.verify(i % 2 ? byOld : byNew);
      expect(verdict.ok).toBe(true);
      if (verdict.ok) expect(verdict.claims.sub).toBe(subject.userId);
    }
    expect(fetches - before).toBe(1);
  });

  it("refuses forged, expired and wrong-audience tokens", async () => {
    const verifier = createAccessTokenVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const now = new Date();
    const good = (await signAccessToken(served, subject, now, settings)).token;
    const [header, , signature] = good.split(".");
    const tampered = `${header}.${base64url.encode(JSON.stringify(claimsAt(now, { roles: ["admin"] })))}.${signature}`;
    expect(await verifier.verify(tampered)).toEqual({ ok: false, reason: "invalid" });
    expect(await verifier.verify(unsignedToken({ alg: "none", typ: "at+jwt" }, claimsAt(now)))).toEqual({ ok: false, reason: "invalid" });
    expect(await verifier.verify(good, { now: new Date(now.getTime() + (TTL + 60) * 1000) })).toEqual({ ok: false, reason: "expired" });
    const elsewhere = createAccessTokenVerifier({ jwksUrl, issuer: ISSUER, audience: "another-service" });
    expect(await elsewhere.verify(good)).toEqual({ ok: false, reason: "invalid" });
    expect(await verifier.verify("not a jwt")).toEqual({ ok: false, reason: "invalid" });
  });

  it("picks up a key added after its first fetch (a rotation) by refetching for the unknown kid", async () => {
    const verifier = createAccessTokenVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, cooldownMs: 0 });
    const now = new Date();
    expect((await verifier.verify((await signAccessToken(served, subject, now, settings)).token)).ok).toBe(true);
    const newest = await generateSigningJwk("ES256");
    served = await ringFor(newest, newKey, oldKey);
    const byNewest = (await signAccessToken(served, subject, now, settings)).token;
    expect((await verifier.verify(byNewest)).ok).toBe(true);
  });

  it("reads the Bearer token of a request, and answers unavailable (not invalid) when the key set cannot be fetched", async () => {
    const now = new Date();
    const token = (await signAccessToken(served, subject, now, settings)).token;
    const verifier = createAccessTokenVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const request = (auth?: string) => new Request("https://site.example/api/x", auth ? { headers: { authorization: auth } } : {});
    expect(bearerToken(request(`Bearer ${token}`))).toBe(token);
    expect((await verifier.verifyRequest(request(`Bearer ${token}`))).ok).toBe(true);
    expect(await verifier.verifyRequest(request())).toEqual({ ok: false, reason: "invalid" });
    expect(await verifier.verifyRequest(request(`Basic ${token}`))).toEqual({ ok: false, reason: "invalid" });
    const missing = createAccessTokenVerifier({
      jwksUrl: jwksUrl.replace("jwks.json", "missing.json"),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(await missing.verify(token)).toEqual({ ok: false, reason: "unavailable" });
    const down = createAccessTokenVerifier({ jwksUrl: "http://127.0.0.1:1/.well-known/jwks.json", issuer: ISSUER, audience: AUDIENCE });
    expect(await down.verify(token)).toEqual({ ok: false, reason: "unavailable" });
  });
});

describe("key rollover: the next key is published before it signs", () => {
  it("publishes a key with a future activeFrom at once but signs with it only from that time", async () => {
    const current = await generateSigningJwk("EdDSA");
    const next = { ...(await generateSigningJwk("EdDSA")), activeFrom: "2026-03-01T12:05:00Z" };
    const rsaNow = await generateSigningJwk("RS256");
    const rsaNext = { ...(await generateSigningJwk("RS256")), activeFrom: "2026-03-01T12:05:00.000Z" };
    const rolling = await ringFor(next, current, rsaNext, rsaNow);
    expect(publicJwks(rolling).keys.map((k) => k.kid)).toEqual([next.kid, current.kid, rsaNext.kid, rsaNow.kid]);
    expect(JSON.stringify(publicJwks(rolling))).not.toContain("activeFrom");
    const before = new Date("2026-03-01T12:04:59Z");
    const after = new Date("2026-03-01T12:05:00Z");
    expect(accessSigningKey(rolling, before).kid).toBe(current.kid);
    expect(accessSigningKey(rolling, after).kid).toBe(next.kid);
    expect(idTokenSigningKey(rolling, before).kid).toBe(rsaNow.kid);
    expect(idTokenSigningKey(rolling, after).kid).toBe(rsaNext.kid);
    expect(decodeProtectedHeader((await signAccessToken(rolling, subject, before, settings)).token).kid).toBe(current.kid);
    expect(decodeProtectedHeader((await signAccessToken(rolling, subject, after, settings)).token).kid).toBe(next.kid);
    // a verifier holding the key set fetched before the switch accepts tokens from after it
    const early = await ringFor(next, current);
    expect((await verifyAccessToken(early, (await signAccessToken(rolling, subject, after, settings)).token, after, settings)).ok).toBe(
      true,
    );
  });

  it("refuses a key set with no access-token key, an RSA key under 2048 bits, or a malformed activeFrom", async () => {
    const rsa = await generateSigningJwk("RS256");
    expect(() => parseSigningKeys(JSON.stringify([rsa]))).toThrow(/JWT_SIGNING_KEYS: .*EdDSA or ES256/);
    expect(() => parseSigningKeys(JSON.stringify([newKey, { ...rsa, n: "AQAB" }]))).toThrow(/2048 bits/);
    expect(() => parseSigningKeys(JSON.stringify([{ ...newKey, activeFrom: "tomorrow" }]))).toThrow(/JWT_SIGNING_KEYS: 0.activeFrom/);
    const onlyFuture = await ringFor({ ...newKey, activeFrom: "2030-01-01T00:00:00Z" } as JWK);
    expect(() => accessSigningKey(onlyFuture, NOW)).toThrow(/no EdDSA\/ES256 \(access-token\) key is active/);
    expect(() => idTokenSigningKey(onlyFuture, NOW)).toThrow(/no RS256 key/);
  });
});
