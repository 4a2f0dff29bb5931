/**
 * Hashes of tokens and constant-time comparison.
 *
 * Tokens we issue carry >= 256 bits of entropy, so a fast hash (SHA-256) is the right storage
 * form: only the hash is stored, a database leak reveals no usable token, and the lookup is
 * by a non-secret id or by the hash itself. Comparisons of secrets never use === on strings.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

export function sha256Hex(value: string): string {
  return bytesToHex(sha256(utf8ToBytes(value)));
}

/** Constant-time equality of two strings (time depends only on the length of `a`). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8ToBytes(a);
  const y = utf8ToBytes(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ (y[i % Math.max(y.length, 1)] ?? 0);
  return diff === 0;
}
