/**
 * argon2id password hashes in PHC string format:
 *   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64 no padding>$<hash, base64 no padding>
 * Parameters travel with the hash, so they can be raised and old hashes upgraded at the next
 * sign-in (needsRehash). Floor: OWASP / ASVS appendix C, m=19456 KiB, t=2, p=1; 16-byte salt
 * from the CSPRNG; 32-byte output. Reference: RFC 9106; checklist #8, #9.
 */
import { randomBytes } from "../crypto/random";

export interface Argon2Params {
  readonly m: number;
  readonly t: number;
  readonly p: number;
}

export const ARGON2_PARAMS: Argon2Params = Object.freeze({ m: 19456, t: 2, p: 1 });
export const SALT_BYTES = 16;
export const HASH_BYTES = 32;

export interface ParsedHash extends Argon2Params {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{16,128})$/;

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/=+$/, "");
}

function unb64(text: string): Uint8Array {
  const padded = text + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export function formatHash(params: Argon2Params, salt: Uint8Array, hash: Uint8Array): string {
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

export function parseHash(phc: string): ParsedHash | null {
  const match = PHC.exec(phc);
  if (!match) return null;
  const [, m, t, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  return { m: Number(m), t: Number(t), p: Number(p), salt: unb64(salt), hash: unb64(hash) };
}

/** True when the stored hash is weaker than (or different from) the current parameters. */
export function needsRehash(phc: string, current: Argon2Params = ARGON2_PARAMS): boolean {
  const parsed = parseHash(phc);
  return !parsed || parsed.m !== current.m || parsed.t !== current.t || parsed.p !== current.p || parsed.hash.length !== HASH_BYTES;
}

export function newSalt(): Uint8Array {
  return randomBytes(SALT_BYTES);
}
