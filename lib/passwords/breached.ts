/**
 * Breached-password check by k-anonymity (checklist #5): the first five hex characters of the
 * password's SHA-1 go to a Pwned Passwords-compatible range API (BREACHED_PASSWORD_API_URL,
 * e.g. https://api.pwnedpasswords.com), which answers with every suffix it knows under that
 * prefix; the password itself never leaves the server. A timeout or error is "unavailable",
 * and BREACHED_PASSWORD_FAIL_MODE decides: open (accept, audit it) or closed (refuse, 503).
 */
import { sha1 } from "@noble/hashes/legacy.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

export type BreachVerdict = "breached" | "clean" | "unavailable";

export async function checkBreached(
  password: string,
  apiUrl: string,
  timeoutMs: number,
  fetcher: typeof fetch = fetch,
): Promise<BreachVerdict> {
  const digest = bytesToHex(sha1(utf8ToBytes(password.normalize("NFKC")))).toUpperCase();
  const prefix = digest.slice(0, 5);
  const suffix = digest.slice(5);
  try {
    const response = await fetcher(new URL(`range/${prefix}`, apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`), {
      headers: { "Add-Padding": "true" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return "unavailable";
    const body = await response.text();
    for (const line of body.split("\n")) {
      const [candidate, count] = line.trim().split(":");
      if (candidate?.toUpperCase() === suffix && Number(count) > 0) return "breached";
    }
    return "clean";
  } catch {
    return "unavailable";
  }
}
