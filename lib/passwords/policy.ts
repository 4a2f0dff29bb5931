/**
 * Password policy (NIST 800-63B-4, ASVS V6.2; checklist #1-#6):
 *  - length in Unicode code points after NFKC normalisation: at least PASSWORD_MIN_LENGTH
 *    (default 15), at most PASSWORD_MAX_LENGTH (default 256), checked before any hashing;
 *  - no composition rules, no truncation, any Unicode;
 *  - not containing the account's email (or its local part) or the product name.
 * Common and breached passwords are checked by lib/passwords/blocklist.ts afterwards.
 */
import { err, ok, type Result } from "../errors";

export interface PolicyContext {
  readonly email: string;
  readonly minLength: number;
  readonly maxLength: number;
  readonly productName: string;
}

export type PolicyError = "password_too_short" | "password_too_long" | "password_contains_context";

const CONTEXT_MIN_CHARS = 4;

export function passwordLength(password: string): number {
  return [...password.normalize("NFKC")].length;
}

/** Cheap checks only (no hashing, no network): safe to run on any input before rate limits. */
export function checkPasswordShape(password: string, ctx: PolicyContext): Result<void, PolicyError> {
  const length = passwordLength(password);
  if (length > ctx.maxLength) return err("password_too_long");
  if (length < ctx.minLength) return err("password_too_short");
  const lowered = password.normalize("NFKC").toLowerCase();
  const email = ctx.email.trim().toLowerCase();
  const local = email.split("@")[0] ?? "";
  const words = [email, ctx.productName.toLowerCase(), ...(local.length >= CONTEXT_MIN_CHARS ? [local] : [])];
  if (words.some((w) => w.length > 0 && lowered.includes(w))) return err("password_contains_context");
  return ok(undefined);
}
