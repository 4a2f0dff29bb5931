import { route } from "@/app/_lib/handler";
import { readBodyWithSession, withAuthCookie } from "@/app/_lib/auth";
import { oauthErrorPage } from "@/app/_lib/oauth";
import { json, fail } from "@/lib/http/response";
import { authorize } from "@/lib/oauth/authorize";
import { body } from "./schema";
import { PAGES } from "@/lib/http/pages";

/**
 * The consent page's answer: the authorization request (its query string) and the person's
 * decision. Runs the whole authorization decision again with the consent given or refused, and
 * answers where the browser goes next: { redirectTo } (a code or access_denied at the client).
 */
export const POST = route(async (request, ctx) => {
  const read = await readBodyWithSession(request, ctx, body);
  if (!read.ok) return fail(read);
  const params = new URLSearchParams(read.input.query);
  const outcome = await authorize(
    ctx.db,
    {
      params,
      current: read.auth,
      now: ctx.now,
      actor: ctx.actor,
      consentGiven: read.input.decision === "allow",
      consentRefused: read.input.decision === "deny",
    },
    ctx.config,
  );
  const redirectTo =
    outcome.kind === "redirect" || outcome.kind === "consent"
      ? outcome.location
      : outcome.kind === "sign_in"
        ? `${PAGES.signIn}?returnTo=${encodeURIComponent(outcome.returnTo)}`
        : oauthErrorPage(outcome.error);
  return withAuthCookie(json({ redirectTo }), read.auth);
});
