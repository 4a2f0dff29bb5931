/**
 * The head of every signed-in page: the session from the cookie, or a redirect to
 * /sign-in?returnTo=<this page>. Pages are rendered per request (the layout is force-dynamic),
 * and Next.js sends dynamic pages with Cache-Control: no-store, so personal data is never cached.
 */
import { redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { hasActiveMfa } from "@/lib/mfa/status";
import type { ValidSession } from "@/lib/sessions/sessions";
import { getSession } from "./session";
import { signInPath } from "./return-to";

export async function requirePageSession(path: string): Promise<ValidSession & { mfaEnabled: boolean }> {
  const current = await getSession();
  if (!current) redirect(signInPath(path));
  return { ...current, mfaEnabled: await hasActiveMfa(await getDb(), current.user.id) };
}
