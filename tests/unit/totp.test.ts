import { describe, expect, it } from "vitest";
import { Secret, TOTP } from "otpauth";
import { openEnvelope, sealEnvelope, envelopeKeyId, type KeyRing } from "../../lib/crypto/envelope";
import { base64url, randomBytes } from "../../lib/crypto/random";
import { parseHash } from "../../lib/passwords/argon2";
import { generateBackupCodes, normaliseBackupCode } from "../../lib/mfa/backup-codes";
import {
  base32Secret,
  isTotpCodeShape,
  newTotpSecret,
  secretBytes,
  totpCodeAt,
  totpQrCodeSvg,
  totpStep,
  totpUri,
  verifyTotp,
} from "../../lib/mfa/totp";

// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890".
const RFC_SEED = new TextEncoder().encode("12345678901234567890");
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

const ENVELOPE_CHECK = /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/; // the CHECK on mfa_factors.encrypted_secret

function key(): string {
  return btoa(String.fromCharCode(...randomBytes(32)));
}

function ring(entries: [string, string][]): KeyRing {
  return { totpKeys: new Map(entries), totpCurrentKeyId: entries[0]![0] };
}

describe("TOTP (RFC 6238)", () => {
  it.each(RFC_VECTORS)("matches the RFC 6238 Appendix B SHA-1 vector at T=%i", (seconds, expected) => {
    const at = new Date(seconds * 1000);
    expect(totpCodeAt(RFC_SEED, totpStep(at), 8)).toBe(expected);
    // the 6-digit code is the same truncation, mod 10^6
    expect(verifyTotp(RFC_SEED, expected.slice(-6), at)).toBe(totpStep(at));
  });

  it("agrees with an independent otpauth TOTP object for 6-digit codes", () => {
    const secret = newTotpSecret();
    const at = new Date(1_700_000_000_000);
    const reference = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({
      timestamp: at.getTime(),
    });
    expect(totpCodeAt(secretBytes(secret), totpStep(at))).toBe(reference);
  });

  it("accepts the current and the previous step only, and returns the step that matched", () => {
    const secret = secretBytes(newTotpSecret());
    const now = new Date(1_800_000_015_000);
    const t = totpStep(now);
    expect(verifyTotp(secret, totpCodeAt(secret, t), now)).toBe(t);
    expect(verifyTotp(secret, totpCodeAt(secret, t - 1), now)).toBe(t - 1);
    expect(verifyTotp(secret, totpCodeAt(secret, t - 2), now)).toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, t + 1), now)).toBeNull();
  });

  it("refuses codes that are not six digits", () => {
    const secret = secretBytes(newTotpSecret());
    const now = new Date(1_800_000_000_000);
    const code = totpCodeAt(secret, totpStep(now));
    expect(verifyTotp(secret, `${code}0`, now)).toBeNull();
    expect(verifyTotp(secret, code.slice(1), now)).toBeNull();
    expect(verifyTotp(secret, "", now)).toBeNull();
    expect(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(totpStep(now));
    expect(isTotpCodeShape("123 456")).toBe(true);
    expect(isTotpCodeShape("ABCD-EFGH-IJKL-MNOP-QRST")).toBe(false);
  });

  it("generates 160-bit secrets from the CSPRNG, all distinct", () => {
    const secrets = new Set(Array.from({ length: 200 }, () => newTotpSecret()));
    expect(secrets.size).toBe(200);
    for (const s of secrets) {
      expect(s).toMatch(/^[A-Z2-7]{32}$/);
      expect(secretBytes(s).length).toBe(20);
      expect(base32Secret(secretBytes(s))).toBe(s);
    }
  });

  it("builds an otpauth URI with SHA1, 6 digits and a 30-second period, and an SVG QR code of it", async () => {
    const secret = newTotpSecret();
    const uri = new URL(totpUri(secret, "alice@example.com", "Portcullis"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("algorithm")).toBe("SHA1");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("period")).toBe("30");
    expect(uri.searchParams.get("issuer")).toBe("Portcullis");
    const svg = await totpQrCodeSvg(uri.toString());
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});

describe("AES-256-GCM envelope", () => {
  it("round-trips and produces the stored format (v1.<kid>.<iv>.<ciphertext>), with a fresh IV each time", async () => {
    const keys = ring([["k1", key()]]);
    const plaintext = randomBytes(20);
    const a = await sealEnvelope(plaintext, "totp:user-1", keys);
    const b = await sealEnvelope(plaintext, "totp:user-1", keys);
    expect(a).toMatch(ENVELOPE_CHECK);
    expect(a.split(".")[1]).toBe("k1");
    expect(a).not.toBe(b);
    expect(await openEnvelope(a, "totp:user-1", keys)).toEqual(plaintext);
    expect(a).not.toContain(base64url(plaintext));
  });

  it("rotates keys: the new first key encrypts, an old key still decrypts until it is removed", async () => {
    const oldKey = key();
    const before = ring([["old", oldKey]]);
    const sealedOld = await sealEnvelope(new Uint8Array([1, 2, 3]), "ctx", before);
    const rotated = ring([
      ["new", key()],
      ["old", oldKey],
    ]);
    expect(await openEnvelope(sealedOld, "ctx", rotated)).toEqual(new Uint8Array([1, 2, 3]));
    const sealedNew = await sealEnvelope(new Uint8Array([4, 5]), "ctx", rotated);
    expect(envelopeKeyId(sealedNew)).toBe("new");
    const retired = ring([["new", rotated.totpKeys.get("new")!]]);
    expect(await openEnvelope(sealedNew, "ctx", retired)).toEqual(new Uint8Array([4, 5]));
    expect(await openEnvelope(sealedOld, "ctx", retired)).toBeNull();
  });

  it("fails for a wrong or relabelled key id, a wrong key, another context or a tampered ciphertext", async () => {
    const keys = ring([
      ["k1", key()],
      ["k2", key()],
    ]);
    const sealed = await sealEnvelope(randomBytes(20), "totp:a", keys);
    const [, , iv, ct] = sealed.split(".");
    expect(await openEnvelope(`v1.k2.${iv}.${ct}`, "totp:a", keys)).toBeNull(); // relabelled to another configured key
    expect(await openEnvelope(`v1.nokey.${iv}.${ct}`, "totp:a", keys)).toBeNull(); // unknown key id
    expect(await openEnvelope(sealed, "totp:a", ring([["k1", key()]]))).toBeNull(); // same id, other key
    expect(await openEnvelope(sealed, "totp:b", keys)).toBeNull(); // moved to another user's row
    const flipped = ct!.slice(0, -2) + (ct!.at(-2) === "A" ? "B" : "A") + ct!.at(-1);
    expect(await openEnvelope(`v1.k1.${iv}.${flipped}`, "totp:a", keys)).toBeNull();
    expect(await openEnvelope("not an envelope", "totp:a", keys)).toBeNull();
  });
});

describe("backup codes", () => {
  it("generates 10 codes of 80 secret bits behind distinct lookup prefixes, each hashed with argon2id and its own salt", async () => {
    const codes = await generateBackupCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes.map((c) => c.lookup)).size).toBe(10);
    const salts = new Set<string>();
    for (const c of codes) {
      expect(c.code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$/); // 16 base32 characters after the prefix: 80 bits
      expect(c.code.startsWith(c.lookup)).toBe(true);
      expect(c.codeHash).toMatch(/^\$argon2id\$v=19\$/);
      expect(c.codeHash).not.toContain(c.code.replace(/-/g, "").slice(4));
      salts.add(base64url(parseHash(c.codeHash)!.salt));
    }
    expect(salts.size).toBe(10);
  }, 60000);

  it("reads codes typed in lower case, without dashes or with spaces", () => {
    expect(normaliseBackupCode("abcd-efgh-ijkl-mnop-qrst")).toEqual({ lookup: "ABCD", full: "ABCDEFGHIJKLMNOPQRST" });
    expect(normaliseBackupCode("ABCD EFGH IJKL MNOP QRST")?.full).toBe("ABCDEFGHIJKLMNOPQRST");
    expect(normaliseBackupCode("ABCD-EFGH-IJKL-MNOP")).toBeNull();
    expect(normaliseBackupCode("ABCD-EFGH-IJKL-MNOP-QRS1")).toBeNull();
  });
});
