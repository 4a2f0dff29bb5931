/**
 * The answer to a finished first step, the same on every route that signs in (password, email
 * code): `signed_in` with the session cookie, or `mfa_required` with the challenge for
 * POST /api/auth/login/mfa; the login-device cookie goes out either way when there is one.
 */
import type { SignInOutcome } from "@/lib/accounts/sign-in";
import type { UserRecord } from "@/lib/users/queries";
import type { IssuedSession } from "@/lib/sessions/sessions";
import type { SecondStepMethod } from "@/lib/mfa/status";
import type { RequestContext } from "@/lib/http/context";
import { json } from "@/lib/http/response";
import { publicSession, publicUser } from "@/lib/sessions/views";
import { sessionCookie } from "./auth";
import { loginDeviceCookie } from "./login-device";

/** The `mfa_required` body (the token route answers with it too, without cookies). */
export function mfaRequiredBody(outcome: {
  readonly challenge: { readonly token: string; readonly expiresAt: Date };
  readonly methods: readonly SecondStepMethod[];
}) {
  return {
    status: "mfa_required" as const,
    challenge: outcome.challenge.token,
    expiresAt: outcome.challenge.expiresAt.toISOString(),
    methods: outcome.methods,
  };
}

/** The `signed_in` body: who, and the new session (never its token: that is in the cookie). */
export function signedInBody(user: UserRecord, issued: IssuedSession) {
  return { status: "signed_in" as const, user: publicUser(user), session: publicSession(issued.session, issued.session.id) };
}

export function signInResponse(ctx: RequestContext, outcome: SignInOutcome): Response {
  const headers = new Headers();
  if (outcome.loginDevice) headers.append("Set-Cookie", loginDeviceCookie(ctx, outcome.loginDevice));
  if (outcome.kind === "mfa_required") return json(mfaRequiredBody(outcome), { headers });
  headers.append("Set-Cookie", sessionCookie(ctx, outcome.issued));
  return json(signedInBody(outcome.user, outcome.issued), { headers });
}
