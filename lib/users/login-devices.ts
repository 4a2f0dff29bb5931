/**
 * Login devices: OWASP's device-cookie defence against lockout by strangers (OWASP "Slow Down
 * Online Guessing Attacks with Device Cookies"; checklist #18).
 *
 * Model: a browser that signed in with the right password gets a cookie "id.secret" (128-bit
 * id, 256-bit secret; only SHA-256 of the secret is stored, with the subject hash of the email
 * it proved). While it presents that cookie for that email, its attempts are not gated by the
 * per-identifier lock that strangers' failures set (login_throttles): it has its own budget of
 * LOGIN_DEVICE_MAX_FAILURES consecutive failures, taken atomically before the hash; once it is
 * spent the cookie no longer counts and the browser is an untrusted client like any other. A
 * success resets the budget and rotates the cookie. Rows live LOGIN_DEVICE_TTL_SECONDS after
 * the last success; the daily cleanup deletes expired ones.
 *
 * Threat: anyone who knows an email can lock the untrusted path (10 failures, then 100 for the
 * hard lock); the owner's own browsers keep signing in. A stolen device cookie is worth
 * LOGIN_DEVICE_MAX_FAILURES guesses, once.
 */
import { mintSplitToken, parseSplitToken } from "../crypto/split-token";
import type { Queryable } from "../db";
import { addSeconds } from "../clock";
import type { Config } from "../config";
import { sha256Hex } from "../crypto/digest";
import { deleteLoginDevice, insertLoginDevice, resetLoginDeviceFailures, takeLoginDeviceAttempt } from "./login-device-queries";

export const LOGIN_DEVICE_COOKIE = "portcullis_login_device";

export type LoginDeviceConfig = Pick<Config, "LOGIN_DEVICE_MAX_FAILURES" | "LOGIN_DEVICE_TTL_SECONDS">;

/**
 * Takes one attempt of the device's own budget, if `token` is a live device cookie for this
 * subject with budget left: the id of the device, or null (no cookie, someone else's, expired,
 * or spent: the attempt goes through the per-identifier lock instead). One guarded UPDATE.
 */
export async function takeLoginDeviceSlot(
  q: Queryable,
  token: string,
  subject: string,
  now: Date,
  cfg: LoginDeviceConfig,
): Promise<string | null> {
  const parsed = parseSplitToken(token);
  if (!parsed) return null;
  return takeLoginDeviceAttempt(q, {
    id: parsed.id,
    subject,
    secretHash: sha256Hex(parsed.secret),
    now,
    maxFailures: cfg.LOGIN_DEVICE_MAX_FAILURES,
  });
}

/**
 * After a successful sign-in: retires the device cookie the browser used (if any) and issues
 * a fresh one for this subject. Returns the cookie value.
 */
export async function renewLoginDevice(
  q: Queryable,
  subject: string,
  usedId: string | null,
  now: Date,
  cfg: LoginDeviceConfig,
): Promise<{ token: string; expiresAt: Date }> {
  if (usedId) await deleteLoginDevice(q, usedId);
  const minted = mintSplitToken();
  const expiresAt = addSeconds(now, cfg.LOGIN_DEVICE_TTL_SECONDS);
  await insertLoginDevice(q, { id: minted.id, subject, secretHash: minted.secretHash, now, expiresAt });
  return { token: minted.token, expiresAt };
}

/** A success through the device that is not followed by a renewal (token route): reset its budget. */
export async function resetLoginDevice(q: Queryable, id: string, now: Date): Promise<void> {
  await resetLoginDeviceFailures(q, id, now);
}
