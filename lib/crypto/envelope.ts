/**
 * Envelope encryption for secrets the server must read back (TOTP seeds), with Web Crypto.
 *
 * Model: AES-256-GCM, a fresh 96-bit IV from the CSPRNG per encryption, the 128-bit tag
 * appended to the ciphertext (Web Crypto's layout). Stored as text:
 *
 *     v1.<kid>.<iv base64url>.<ciphertext+tag base64url>
 *
 * (the format the CHECK on mfa_factors.encrypted_secret expects). Keys come from configuration
 * (TOTP_ENCRYPTION_KEYS = "kid:<32 bytes base64>,..."): the first key encrypts, every listed
 * key decrypts, so keys rotate by putting a new key first and dropping the old one once no
 * envelope names it. The header ("v1.<kid>") and a caller-chosen context string (e.g. the
 * owner's id) are authenticated as associated data: an envelope moved to another row, or
 * relabelled with another key id, fails to open.
 *
 * Threat: a database dump or backup without the key reveals no seed (ASVS V13.3.1, checklist
 * #52). Decryption failures (unknown key id, wrong key, tampering) all return null.
 */
import { base64url, fromBase64url, randomBytes } from "./random";

const VERSION = "v1";
const IV_BYTES = 12;
const KEY_BYTES = 32;
const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ENVELOPE_PATTERN = /^v1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/** The key ring as configuration exposes it: key id -> base64 key, and the id that encrypts. */
export interface KeyRing {
  readonly totpKeys: ReadonlyMap<string, string>;
  readonly totpCurrentKeyId: string;
}

const encoder = new TextEncoder();
const imported = new Map<string, Promise<CryptoKey>>();

function importKey(base64Key: string): Promise<CryptoKey> {
  let key = imported.get(base64Key);
  if (!key) {
    const raw = Uint8Array.from(atob(base64Key), (c) => c.charCodeAt(0));
    if (raw.length !== KEY_BYTES) throw new Error("envelope keys must be 32 bytes (AES-256)");
    key = crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    imported.set(base64Key, key);
  }
  return key;
}

function associatedData(kid: string, context: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${VERSION}.${kid}|${context}`);
}

/** A copy backed by a plain ArrayBuffer, as Web Crypto's types ask. */
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/** Encrypts `plaintext` under the current key; `context` must be given again to decrypt. */
export async function sealEnvelope(plaintext: Uint8Array, context: string, ring: KeyRing): Promise<string> {
  const kid = ring.totpCurrentKeyId;
  const base64Key = ring.totpKeys.get(kid);
  if (!base64Key || !KID_PATTERN.test(kid)) throw new Error(`envelope key id "${kid}" is missing or not [A-Za-z0-9_-]`);
  const iv = buffer(randomBytes(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(kid, context) },
    await importKey(base64Key),
    buffer(plaintext),
  );
  return `${VERSION}.${kid}.${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`;
}

/** The key id an envelope names, or null when it is not an envelope. */
export function envelopeKeyId(envelope: string): string | null {
  return ENVELOPE_PATTERN.exec(envelope)?.[1] ?? null;
}

/** Opens an envelope with whichever configured key its id names; null if it cannot. */
export async function openEnvelope(envelope: string, context: string, ring: KeyRing): Promise<Uint8Array | null> {
  const match = ENVELOPE_PATTERN.exec(envelope);
  if (!match) return null;
  const [, kid, ivText, ciphertextText] = match as unknown as [string, string, string, string];
  const base64Key = ring.totpKeys.get(kid);
  const iv = fromBase64url(ivText);
  const ciphertext = fromBase64url(ciphertextText);
  if (!base64Key || !iv || iv.length !== IV_BYTES || !ciphertext) return null;
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: buffer(iv), additionalData: associatedData(kid, context) },
      await importKey(base64Key),
      buffer(ciphertext),
    );
    return new Uint8Array(plaintext);
  } catch {
    return null;
  }
}
