/**
 * The head of every signed-in page: the session from the cookie, or a redirect to
 * /sign-in?returnTo=<this page>. Pages are rendered per request (the layout is force-dynamic),
 * and Next.js sends dynamic pages with Cache-Control: no-store, so personal data is never cached.
 */
import { redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { secondStepMethods } from "@/lib/mfa/status";
import type { ValidSession } from "@/lib/sessions/sessions";
import { getSession } from "./session";
import { signInPath } from "./return-to";

/** The session, and the user's second factors: `mfaEnabled` (TOTP), `hasPasskeys`. */
export async function requirePageSession(path: string): Promise<ValidSession & { mfaEnabled: boolean; hasPasskeys: boolean }> {
  const current = await getSession();
  if (!current) redirect(signInPath(path));
  const methods = await secondStepMethods(await getDb(), current.user.id);
  return { ...current, mfaEnabled: methods.includes("totp"), hasPasskeys: methods.includes("passkey") };
}
