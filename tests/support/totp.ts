/** TOTP codes as an authenticator app computes them (RFC 6238: SHA-1, 6 digits, 30 s steps), for tests. */
import { Secret, TOTP } from "otpauth";

export const TOTP_STEP_MS = 30_000;

/** The code for the step that contains `at` (a time in ms or a Date; default now). */
export function totpAt(secret: string, at: number | Date = Date.now()): string {
  const timestamp = typeof at === "number" ? at : at.getTime();
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30, timestamp });
}

/** A six-digit code valid neither for the step of `at` nor for the one before. */
export function wrongTotpAt(secret: string, at: number | Date = Date.now()): string {
  const ms = typeof at === "number" ? at : at.getTime();
  const valid = new Set([totpAt(secret, ms), totpAt(secret, ms - TOTP_STEP_MS)]);
  let n = Number(totpAt(secret, ms));
  let code: string;
  do {
    n = (n + 1) % 1_000_000;
    code = String(n).padStart(6, "0");
  } while (valid.has(code));
  return code;
}
