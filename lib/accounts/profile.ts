/**
 * The profile fields a user edits themselves: today only the display name (null clears it).
 * The change and its audit row (profile.updated, which records that the name changed, not the
 * name) are one transaction.
 */
import type { Db } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { updateUserName } from "../users/queries";

export async function updateProfile(
  db: Db,
  input: { userId: string; sessionId: string; name: string | null; now: Date; actor: Actor },
): Promise<void> {
  await db.transaction(async (tx) => {
    await updateUserName(tx, input.userId, input.name);
    await recordAuditEvent(tx, {
      type: "profile.updated",
      result: "success",
      actor: input.actor,
      actorId: input.userId,
      targetId: input.userId,
      sessionId: input.sessionId,
      now: input.now,
      details: { fields: ["name"] },
    });
  });
}
