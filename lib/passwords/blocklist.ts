/**
 * Common passwords (checklist #5, ASVS V6.2.4): refused with password_common. Compared after
 * NFKC normalisation and lower-casing. The list favours passwords long enough to pass the
 * length policy, since shorter ones are refused by length first.
 */
const COMMON = new Set<string>([
  "123456789012345", "1234567890123456", "12345678901234567890", "passwordpassword", "password123456789",
  "qwertyuiopasdfgh", "qwertyuiopasdfghjkl", "qwertyuiopasdfghjklzxcvbnm", "iloveyouiloveyou", "abcdefghijklmnop",
  "abcdefghijklmnopqrstuvwxyz", "aaaaaaaaaaaaaaa", "111111111111111", "000000000000000", "correcthorsebatterystaple",
  "letmeinletmein", "welcome12345678", "administrator123", "passw0rdpassw0rd", "1q2w3e4r5t6y7u8i9o0p",
]);

export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.normalize("NFKC").toLowerCase());
}
