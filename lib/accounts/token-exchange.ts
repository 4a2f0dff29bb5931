/**
 * Email and password for a token pair (POST /api/auth/token with a password): sign-in with all
 * its throttles, then a refresh family for the new session. A flow of accounts, not of tokens:
 * it uses both, and the token module stays below sign-in.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { ok, type Result } from "../errors";
import { issueTokenPair, type IssuedTokenPair } from "../tokens/refresh";
import type { SecondStepMethod } from "../mfa/status";
import { signIn, type SignInInput } from "./sign-in";

export type CredentialsExchange =
  | { readonly kind: "tokens"; readonly pair: IssuedTokenPair }
  | {
      readonly kind: "mfa_required";
      readonly challenge: { token: string; expiresAt: Date };
      readonly methods: readonly SecondStepMethod[];
    };

/**
 * Email and password for a token pair, through sign-in with all its throttles. An account with
 * a second factor gets the MFA challenge (purpose "token") instead; the MFA step then creates
 * the aal2 session and calls issueTokenPair.
 */
export async function exchangeCredentials(db: Db, input: Omit<SignInInput, "purpose">, cfg: Config): Promise<Result<CredentialsExchange>> {
  const signedIn = await signIn(db, { ...input, purpose: "token" }, cfg);
  if (!signedIn.ok) return signedIn;
  const outcome = signedIn.value;
  if (outcome.kind === "mfa_required") return ok({ kind: "mfa_required", challenge: outcome.challenge, methods: outcome.methods });
  const pair = await db.transaction((tx) =>
    issueTokenPair(tx, { sessionId: outcome.issued.session.id, now: input.now, actor: input.actor, source: "password" }, cfg),
  );
  return ok({ kind: "tokens", pair });
}
