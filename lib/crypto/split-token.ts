/**
 * The "id.secret" token scheme shared by sessions, second-step challenges, trusted devices and
 * login devices. Model: a public 128-bit id finds the row with one primary-key lookup; a 256-bit
 * secret, of which only SHA-256 is stored, proves possession and is compared in constant time.
 * Threat: a copy of the database holds no usable token, and a guessed id alone is worthless
 * (checklist #23, #24).
 */
import { sha256Hex, timingSafeEqual } from "./digest";
import { randomToken } from "./random";

const ID_BYTES = 16;
const SECRET_BYTES = 32;

/** base64url id (22 chars = 16 bytes) "." base64url secret (43 chars = 32 bytes). */
export const SPLIT_TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface MintedSplitToken {
  /** Public: the row's primary key. */
  readonly id: string;
  /** What the client holds ("id.secret"); never stored. */
  readonly token: string;
  /** What the server stores: SHA-256 of the secret, hex. */
  readonly secretHash: string;
}

export interface ParsedSplitToken {
  readonly id: string;
  readonly secret: string;
}

export function mintSplitToken(): MintedSplitToken {
  const id = randomToken(ID_BYTES);
  const secret = randomToken(SECRET_BYTES);
  return { id, token: `${id}.${secret}`, secretHash: sha256Hex(secret) };
}

/** The id and secret of a well-formed token, or null. */
export function parseSplitToken(token: string): ParsedSplitToken | null {
  const match = SPLIT_TOKEN_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/** Does `secret` hash to `storedHash`? Constant-time in the hash comparison. */
export function verifySplitSecret(secret: string, storedHash: string): boolean {
  return timingSafeEqual(sha256Hex(secret), storedHash);
}

/** The public id of a token (no check of the secret), or null. */
export function splitTokenId(token: string | null): string | null {
  return token ? (parseSplitToken(token)?.id ?? null) : null;
}
