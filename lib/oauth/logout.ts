/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). The request must carry an
 * id_token_hint this server issued (its signature, issuer and audience are checked; an expired
 * one is fine). A post_logout_redirect_uri is followed only if it is registered for the
 * hint's client, exactly; anything else is an error page, never a redirect (no open redirect).
 * The browser session is ended if it belongs to the hint's subject, with the refresh families
 * that client got from it. Without a valid hint nothing is ended: a cross-site link cannot sign
 * anyone out.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { recordAuditEvent } from "../audit/audit";
import { revokeSessionById } from "../sessions/queries";
import type { ValidSession } from "../sessions/sessions";
import { findActiveClient, isRegisteredPostLogoutUri } from "./clients";
import { revokeFamiliesFromBrowserSession } from "./grant-queries";
import { readIdTokenHint } from "./tokens";

export type EndSessionOutcome =
  | { readonly kind: "redirect"; readonly location: string; readonly signedOut: boolean }
  | { readonly kind: "error_page"; readonly error: "invalid_request" | "invalid_id_token_hint" | "invalid_post_logout_redirect_uri" };

export interface EndSessionInput {
  readonly params: URLSearchParams;
  readonly current: ValidSession | null;
  readonly now: Date;
  readonly actor: Actor;
}

export async function endSession(db: Db, input: EndSessionInput, cfg: Config): Promise<EndSessionOutcome> {
  const hintText = input.params.get("id_token_hint");
  if (!hintText) return { kind: "error_page", error: "invalid_request" };
  const hint = await readIdTokenHint(cfg, hintText);
  const clientIdParam = input.params.get("client_id");
  if (!hint || (clientIdParam !== null && clientIdParam !== hint.aud)) return { kind: "error_page", error: "invalid_id_token_hint" };
  const client = await findActiveClient(db, hint.aud);
  if (!client) return { kind: "error_page", error: "invalid_id_token_hint" };
  const target = input.params.get("post_logout_redirect_uri");
  if (target !== null && !isRegisteredPostLogoutUri(client, target))
    return { kind: "error_page", error: "invalid_post_logout_redirect_uri" };

  const current = input.current;
  const signedOut = current !== null && current.user.id === hint.sub;
  await db.transaction(async (tx) => {
    let families = 0;
    if (signedOut) {
      await revokeSessionById(tx, current.session.id, "logout", input.now);
      families += await revokeFamiliesFromBrowserSession(tx, current.session.id, client.id, input.now);
    }
    if (hint.sid && hint.sid !== current?.session.id)
      families += await revokeFamiliesFromBrowserSession(tx, hint.sid, client.id, input.now);
    await recordAuditEvent(tx, {
      type: "oauth.logout",
      result: "success",
      actor: input.actor,
      actorId: hint.sub,
      targetId: hint.sub,
      sessionId: current?.session.id ?? null,
      now: input.now,
      details: { clientId: client.id, browserSessionEnded: signedOut, familiesRevoked: families },
    });
  });
  if (target === null) return { kind: "redirect", location: PAGES.oauthSignedOut, signedOut };
  const url = new URL(target);
  const state = input.params.get("state");
  if (state !== null) url.searchParams.set("state", state);
  return { kind: "redirect", location: url.toString(), signedOut };
}
