/**
 * Trusted devices as the account owner sees them: a public list (ids and metadata, never token
 * material) and revocation by id, which is object-level authorised in SQL (another user's id
 * is simply not found) and audited (device.revoked) in the same transaction. The rows and
 * tokens themselves live in trusted-devices.ts.
 */
import type { Db } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent, recordObjectDenial } from "../audit/audit";
import { findTrustedDeviceOwner, listTrustedDevices, revokeTrustedDevice } from "./trusted-devices";

export interface PublicDevice {
  readonly id: string;
  readonly label: string | null;
  readonly ip: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly expiresAt: string;
  /** True for the device this request came from. */
  readonly current: boolean;
}

/** The id part of a trusted-device token ("id.secret"): not secret, it names the row. */
export function deviceIdOf(token: string | null): string | null {
  return token?.split(".")[0] ?? null;
}

export async function listDevices(db: Db, userId: string, currentToken: string | null, now: Date): Promise<PublicDevice[]> {
  const currentId = deviceIdOf(currentToken);
  const devices = await listTrustedDevices(db, userId, now);
  return devices.map((d) => ({
    id: d.id,
    label: d.label,
    ip: d.ip,
    createdAt: d.createdAt.toISOString(),
    lastUsedAt: d.lastUsedAt.toISOString(),
    expiresAt: d.expiresAt.toISOString(),
    current: d.id === currentId,
  }));
}

/** Revokes one of the user's devices; false if it is not theirs (audited as authz.denied), unknown or already revoked. */
export async function revokeDevice(db: Db, input: { userId: string; deviceId: string; sessionId: string; now: Date; actor: Actor }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const revoked = await revokeTrustedDevice(tx, input.userId, input.deviceId, input.now);
    if (revoked) {
      await recordAuditEvent(tx, {
        type: "device.revoked", result: "success", actor: input.actor, actorId: input.userId, targetId: input.userId,
        sessionId: input.sessionId, now: input.now, details: { deviceId: input.deviceId },
      });
      return true;
    }
    const owner = await findTrustedDeviceOwner(tx, input.deviceId);
    if (owner !== null && owner !== input.userId) {
      await recordObjectDenial(tx, {
        actor: input.actor, actorId: input.userId, ownerId: owner, sessionId: input.sessionId, now: input.now,
        object: "device", objectId: input.deviceId, scope: "own",
      });
    }
    return false;
  });
}
