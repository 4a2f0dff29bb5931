/**
 * Trusted devices: after a successful second step the user may ask to trust the browser.
 * Model: a server-side row per device, and a cookie "id.secret" (only SHA-256 of the secret
 * stored), valid TRUSTED_DEVICE_TTL_SECONDS (default 30 days). A trusted device skips the
 * second step only for its own user, and can be listed and revoked.
 */
import { mintSplitToken, parseSplitToken, splitTokenId, verifySplitSecret } from "../crypto/split-token";
import { addSeconds } from "../clock";
import type { Db, Queryable } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent, recordObjectDenial } from "../audit/audit";
import {
  findLiveTrustedDevice,
  findTrustedDeviceOwner,
  insertTrustedDevice,
  listTrustedDevices,
  revokeTrustedDevice,
  revokeUserTrustedDevices,
  touchTrustedDevice,
} from "./trusted-device-queries";

export const TRUSTED_DEVICE_COOKIE = "portcullis_device";

export interface TrustedDevice {
  readonly id: string;
  readonly label: string | null;
  readonly ip: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
}

export async function trustDevice(
  q: Queryable,
  input: { userId: string; label: string | null; ip: string | null; now: Date; ttlSeconds: number },
): Promise<{ token: string; device: TrustedDevice }> {
  const minted = mintSplitToken();
  const device = await insertTrustedDevice(q, {
    id: minted.id,
    userId: input.userId,
    secretHash: minted.secretHash,
    label: input.label,
    ip: input.ip,
    now: input.now,
    expiresAt: addSeconds(input.now, input.ttlSeconds),
  });
  return { token: minted.token, device };
}

/** The live trusted device this token names, if it belongs to `userId`. */
export async function findTrustedDevice(q: Queryable, token: string, userId: string, now: Date): Promise<TrustedDevice | null> {
  const parsed = parseSplitToken(token);
  if (!parsed) return null;
  const found = await findLiveTrustedDevice(q, parsed.id, userId, now);
  // only a device that proved its secret is marked as used
  if (!found || !verifySplitSecret(parsed.secret, found.secretHash)) return null;
  await touchTrustedDevice(q, found.device.id, now);
  return { ...found.device, lastUsedAt: now };
}

export async function revokeAllTrustedDevices(q: Queryable, userId: string, now: Date): Promise<number> {
  return revokeUserTrustedDevices(q, userId, now);
}

// The owner's view: a public list (ids and metadata, never token material) and revocation by
// id, object-level authorised in SQL (another user's id is not found) and audited (device.revoked).

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
  return splitTokenId(token);
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
export async function revokeDevice(
  db: Db,
  input: { userId: string; deviceId: string; sessionId: string; now: Date; actor: Actor },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const revoked = await revokeTrustedDevice(tx, input.userId, input.deviceId, input.now);
    if (revoked) {
      await recordAuditEvent(tx, {
        type: "device.revoked",
        result: "success",
        actor: input.actor,
        actorId: input.userId,
        targetId: input.userId,
        sessionId: input.sessionId,
        now: input.now,
        details: { deviceId: input.deviceId },
      });
      return true;
    }
    const owner = await findTrustedDeviceOwner(tx, input.deviceId);
    if (owner !== null && owner !== input.userId) {
      await recordObjectDenial(tx, {
        actor: input.actor,
        actorId: input.userId,
        ownerId: owner,
        sessionId: input.sessionId,
        now: input.now,
        object: "device",
        objectId: input.deviceId,
        scope: "own",
      });
    }
    return false;
  });
}
