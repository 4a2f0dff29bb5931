/**
 * getSession(): the signed-in user and session for server components and route handlers, in
 * one call. Reads the session cookie through next/headers; null when not signed in.
 *
 *   const current = await getSession();
 *   if (!current) redirect("/login");
 */
import { cookies } from "next/headers";
import { config } from "@/lib/config";
import { getDb } from "@/lib/db";
import { cookieName } from "@/lib/http/cookies";
import { SESSION_COOKIE, validateSessionToken, type ValidSession } from "@/lib/sessions/sessions";

export async function getSession(): Promise<ValidSession | null> {
  const cfg = config();
  const token = (await cookies()).get(cookieName(SESSION_COOKIE, cfg.secureCookies))?.value;
  if (!token) return null;
  return validateSessionToken(await getDb(), token, new Date(), cfg);
}
