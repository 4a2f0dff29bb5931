/**
 * The `returnTo` of /sign-in: only a same-origin relative path is followed; anything else
 * (an absolute URL, a protocol-relative `//host`, a `/\host` that browsers read as `//host`,
 * control characters, a scheme) lands on `/`. An open redirect from the sign-in page would
 * make phishing links look like ours.
 */
import { PAGES } from "@/lib/http/pages";

const BASE = "http://portcullis.invalid";
const MAX_LENGTH = 2048;

export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_LENGTH) return PAGES.home;
  if (!raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) return PAGES.home;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this check refuses
  if (/[\u0000-\u0020\u007f]/.test(raw)) return PAGES.home;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return PAGES.home;
  }
  if (url.origin !== BASE) return PAGES.home;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in address that brings a signed-out visitor back to `path` afterwards. */
export function signInPath(path: string): string {
  return `${PAGES.signIn}?returnTo=${encodeURIComponent(safeReturnTo(path))}`;
}
