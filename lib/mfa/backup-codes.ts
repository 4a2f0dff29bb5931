/**
 * Backup (recovery) codes: the way in when the authenticator is lost.
 *
 * Model: 10 codes per user, shown once, at TOTP confirmation and at each regeneration (which
 * voids the previous set). A code is 20 base32 characters shown as XXXX-XXXX-XXXX-XXXX-XXXX:
 * the first group is a lookup prefix (20 bits, not secret, stored as is in `lookup`, unique
 * per user), the other 16 characters are the secret (80 bits from the CSPRNG). Below 112 bits
 * a fast hash is not enough (ASVS V6.5.2), so each code is stored as an argon2id hash with its
 * own salt (lib/passwords/hasher.ts). Verification finds the one row by (user, lookup) and
 * runs one argon2id verification — never one per stored code; a prefix that matches nothing
 * still costs one verification against a dummy hash. Spending is one guarded UPDATE ... WHERE
 * used_at IS NULL, so two parallel uses of a code cannot both succeed.
 *
 * Threats: guessing (80 bits, plus the shared second-factor failure counter), database theft
 * (argon2id), reuse (single use), display after creation (no route returns codes again).
 * Checklist #49, #50.
 */
import { randomBase32 } from "../crypto/random";
import { DUMMY_HASH, hashPassword, verifyPassword } from "../passwords/hasher";
import type { Queryable } from "../db";
import { findBackupCode, markBackupCodeUsed } from "./queries";

export const BACKUP_CODE_COUNT = 10;
const LOOKUP_CHARS = 4;
const SECRET_CHARS = 16;
const GROUP_CHARS = 4;
const NORMALISED = /^[A-Z2-7]{20}$/;

export interface NewBackupCode {
  /** What the user is shown, once: XXXX-XXXX-XXXX-XXXX-XXXX. */
  readonly code: string;
  readonly lookup: string;
  readonly codeHash: string;
}

/** Upper-cases and drops spaces and dashes: "abcd-efgh ..." and "ABCDEFGH..." are the same code. */
export function normaliseBackupCode(input: string): { lookup: string; full: string } | null {
  const full = input.toUpperCase().replace(/[\s-]+/g, "");
  if (!NORMALISED.test(full)) return null;
  return { lookup: full.slice(0, LOOKUP_CHARS), full };
}

function display(full: string): string {
  return full.match(new RegExp(`.{${GROUP_CHARS}}`, "g"))!.join("-");
}

/** A fresh set of codes with distinct lookup prefixes, hashed (argon2id, one salt each). */
export async function generateBackupCodes(count: number = BACKUP_CODE_COUNT): Promise<NewBackupCode[]> {
  const lookups = new Set<string>();
  while (lookups.size < count) lookups.add(randomBase32(LOOKUP_CHARS));
  return Promise.all(
    [...lookups].map(async (lookup) => {
      const full = lookup + randomBase32(SECRET_CHARS);
      return { code: display(full), lookup, codeHash: await hashPassword(full) };
    }),
  );
}

export type BackupCodeCheck = { readonly kind: "valid"; readonly id: number } | { readonly kind: "used" } | { readonly kind: "invalid" };

/** Checks a code without spending it: one lookup by prefix, one argon2id verification. */
export async function checkBackupCode(q: Queryable, userId: string, input: string): Promise<BackupCodeCheck> {
  const parsed = normaliseBackupCode(input);
  if (!parsed) return { kind: "invalid" }; // the shape is public: no hash needed to refuse it
  const row = await findBackupCode(q, userId, parsed.lookup);
  const matches = await verifyPassword(parsed.full, row?.codeHash ?? DUMMY_HASH);
  if (!row || !matches) return { kind: "invalid" };
  return row.usedAt === null ? { kind: "valid", id: row.id } : { kind: "used" };
}

/** Spends a checked code; false if a parallel request spent it first. */
export function spendBackupCode(q: Queryable, id: number, now: Date): Promise<boolean> {
  return markBackupCodeUsed(q, id, now);
}
