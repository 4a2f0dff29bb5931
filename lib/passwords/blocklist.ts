/**
 * Common passwords (checklist #5, ASVS V6.2.4, NIST 800-63B blocklist): refused with
 * password_common, with that reason given.
 *
 * The list (lib/passwords/common-passwords.ts) ships with the project: a few hundred of the most
 * frequent breached passwords of 8+ characters, plus common words stretched the usual ways
 * (base + "123", "!", a year; base repeated), expanded once at load into one Set (about ten
 * thousand entries), so a lookup is O(1). A password is compared after NFKC normalisation and
 * lower-casing, as typed and with spaces, dots, dashes and underscores removed
 * ("Correct Horse Battery Staple" is "correcthorsebatterystaple"). Two shapes are refused
 * without a list: one short unit repeated ("abcabcabcabcabc", "zzzzzzzzzzzzzzz") or a common
 * word repeated ("monkeymonkeymonkey"), and a straight run of characters or digits
 * ("abcdefghijklmnop", "123456789012345", "987654321098765").
 */
import { COMMON_BASES, COMMON_PASSWORDS, COMMON_SUFFIXES } from "./common-passwords";

const MIN_ENTRY_LENGTH = 8;
const SHORT_UNIT_MAX = 4;
const YEARS = { from: 1950, to: 2035 };
const SEPARATORS = /[\s._-]+/gu;

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

const BASES = new Set(words(COMMON_BASES));

function buildList(): Set<string> {
  const list = new Set(words(COMMON_PASSWORDS));
  const suffixes = [...COMMON_SUFFIXES];
  for (let year = YEARS.from; year <= YEARS.to; year++) suffixes.push(String(year), `${year}!`);
  for (const base of BASES) {
    for (const suffix of suffixes) list.add(base + suffix);
    list.add(`my${base}`);
    list.add(`the${base}`);
    list.add(`123${base}`);
  }
  for (const entry of list) if ([...entry].length < MIN_ENTRY_LENGTH) list.delete(entry);
  return list;
}

const COMMON = buildList();

/** How many entries the shipped list expands to (reported by tests and the README). */
export const commonPasswordCount = COMMON.size;

/** "abcabcabc", "zzzzzzzz", "passwordpassword": a short unit or a common word, repeated. */
function isRepetition(chars: readonly string[]): boolean {
  const n = chars.length;
  for (let unit = 1; unit <= n / 2; unit++) {
    if (n % unit !== 0) continue;
    let repeats = true;
    for (let i = unit; i < n && repeats; i++) repeats = chars[i] === chars[i - unit];
    if (!repeats) continue;
    const word = chars.slice(0, unit).join("");
    if (unit <= SHORT_UNIT_MAX || COMMON.has(word) || BASES.has(word)) return true;
  }
  return false;
}

/** A straight run: every step +1 or every step -1 (digits wrap: ...8901...). */
function isSequence(chars: readonly string[]): boolean {
  if (chars.length < 3) return false;
  const codes = chars.map((c) => c.codePointAt(0)!);
  const digits = chars.every((c) => c >= "0" && c <= "9");
  const step = (a: number, b: number) => (digits ? (((b - a) % 10) + 10) % 10 : b - a);
  const first = step(codes[0]!, codes[1]!);
  if (first !== 1 && first !== (digits ? 9 : -1)) return false;
  for (let i = 2; i < codes.length; i++) if (step(codes[i - 1]!, codes[i]!) !== first) return false;
  return true;
}

export function isCommonPassword(password: string): boolean {
  const typed = password.normalize("NFKC").toLowerCase();
  const compact = typed.replace(SEPARATORS, "");
  if (COMMON.has(typed) || COMMON.has(compact)) return true;
  const chars = [...compact];
  return chars.length > 0 && (isRepetition(chars) || isSequence(chars));
}
