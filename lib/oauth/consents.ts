/**
 * Consents a person gave to third-party clients: listed on /account/security and revocable.
 * Revoking a consent ends every refresh family that client holds for the person, in the same
 * transaction, so the next refresh fails and UserInfo refuses the client's access tokens.
 */
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { CLIENT_ID_PATTERN } from "./clients";
import { revokeClientFamilies } from "./client-queries";
import { deleteConsent, listConsents } from "./grant-queries";

export interface PublicConsent {
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly grantedAt: string;
}

export async function consentsOf(q: Queryable, userId: string): Promise<PublicConsent[]> {
  return (await listConsents(q, userId)).map((c) => ({
    clientId: c.clientId,
    clientName: c.clientName,
    scopes: c.scopes,
    grantedAt: c.grantedAt.toISOString(),
  }));
}

export async function revokeConsent(
  db: Db,
  input: { userId: string; sessionId: string; clientId: string; now: Date; actor: Actor },
): Promise<Result<{ familiesRevoked: number }>> {
  if (!CLIENT_ID_PATTERN.test(input.clientId)) return err("not_found");
  return db.transaction(async (tx) => {
    if (!(await deleteConsent(tx, input.userId, input.clientId))) return err("not_found");
    const families = await revokeClientFamilies(tx, input.clientId, input.userId, "token_revoked", input.now);
    await recordAuditEvent(tx, {
      type: "oauth.consent.revoked",
      result: "success",
      actor: input.actor,
      actorId: input.userId,
      targetId: input.userId,
      sessionId: input.sessionId,
      now: input.now,
      details: { clientId: input.clientId, familiesRevoked: families.length },
    });
    return ok({ familiesRevoked: families.length });
  });
}
