/**
 * TOTP (RFC 6238) through otpauth: HMAC-SHA-1, 6 digits, 30-second steps, T0 = 0 — the
 * parameters every authenticator app supports.
 *
 * Model: a 160-bit secret (RFC 4226 R6) from the CSPRNG, shown once as base32, an otpauth://
 * URI and a QR code, then stored only inside an AES-256-GCM envelope (lib/crypto/envelope.ts).
 * Verification uses the server clock and accepts the current step T and the previous step T-1
 * only — one step of network and typing delay (RFC 6238 §5.2), never a future step. It returns
 * the step that matched: the caller stores it as last_used_step and accepts only a strictly
 * greater step afterwards, so each code works once (replay, checklist #46).
 *
 * Threats: guessing (10^6 codes, 2 valid at a time; the shared failure counter in
 * second-factor.ts allows 5 tries per block), replay (single use), seed theft (encrypted at
 * rest, never returned after setup, never logged). Checklist #44, #45, #46, #52.
 */
import { HOTP, Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import { randomBytes } from "../crypto/random";

export const TOTP_ALGORITHM = "SHA1";
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_SECRET_BYTES = 20;
/** How many steps back a code may come from: T-1. Future steps are never accepted. */
const ACCEPTED_PAST_STEPS = 1;
const CODE_PATTERN = /^\d{6}$/;

/** A new TOTP secret: 160 bits from the CSPRNG, as 32 base32 characters. */
export function newTotpSecret(): string {
  return new Secret({ buffer: randomBytes(TOTP_SECRET_BYTES).buffer as ArrayBuffer }).base32;
}

export function secretBytes(base32: string): Uint8Array {
  return new Uint8Array(Secret.fromBase32(base32).buffer);
}

export function base32Secret(bytes: Uint8Array): string {
  return new Secret({ buffer: bytes.slice().buffer as ArrayBuffer }).base32;
}

/** What a user's TOTP envelope is bound to (associated data): it opens for that user only. */
export function totpEnvelopeContext(userId: string): string {
  return `totp:${userId}`;
}

/** The RFC 6238 time step that contains `now`. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for a time step (digits other than 6 only for the RFC test vectors). */
export function totpCodeAt(secret: Uint8Array, step: number, digits: number = TOTP_DIGITS): string {
  return HOTP.generate({
    secret: new Secret({ buffer: secret.slice().buffer as ArrayBuffer }),
    algorithm: TOTP_ALGORITHM,
    digits,
    counter: step,
  });
}

/** Does this look like a TOTP code (6 digits, spaces allowed)? Otherwise it may be a backup code. */
export function isTotpCodeShape(code: string): boolean {
  return CODE_PATTERN.test(code.replace(/\s+/g, ""));
}

/**
 * Checks a code against steps T and T-1 of `now`, current step first. Returns the matched step,
 * or null. Comparison is constant-time (otpauth's validate).
 */
export function verifyTotp(secret: Uint8Array, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, "");
  if (!CODE_PATTERN.test(token)) return null;
  const key = new Secret({ buffer: secret.slice().buffer as ArrayBuffer });
  const current = totpStep(now);
  for (let step = current; step >= current - ACCEPTED_PAST_STEPS && step >= 0; step--) {
    const delta = HOTP.validate({ token, secret: key, algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, counter: step, window: 0 });
    if (delta === 0) return step;
  }
  return null;
}

/** The otpauth:// URI an authenticator app imports (issuer:account, SHA1, 6 digits, 30 s). */
export function totpUri(base32: string, account: string, issuer: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(base32),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** The URI as a QR code, an SVG document (medium error correction). */
export function totpQrCodeSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}
