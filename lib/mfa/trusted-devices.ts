/**
 * Trusted devices: after a successful second step the user may ask to trust the browser.
 * Model: a server-side row per device, and a cookie "id.secret" (only SHA-256 of the secret
 * stored), valid TRUSTED_DEVICE_TTL_SECONDS (default 30 days). A trusted device skips the
 * second step only for its own user, and can be listed and revoked.
 */
import { mintSplitToken, parseSplitToken, splitTokenId, verifySplitSecret } from "../crypto/split-token";
import { sql, type Queryable } from "../db";
import { addSeconds } from "../clock";
import type { Db } from "../db";
import type { Actor } from "../http/context";
import { recordAuditEvent, recordObjectDenial } from "../audit/audit";

export const TRUSTED_DEVICE_COOKIE = "portcullis_device";

export interface TrustedDevice {
  readonly id: string;
  readonly label: string | null;
  readonly ip: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
}

interface DeviceRow {
  id: string;
  label: string | null;
  ip: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
}

const toDevice = (r: DeviceRow): TrustedDevice => ({
  id: r.id,
  label: r.label,
  ip: r.ip,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
});

export async function trustDevice(
  q: Queryable,
  input: { userId: string; label: string | null; ip: string | null; now: Date; ttlSeconds: number },
): Promise<{ token: string; device: TrustedDevice }> {
  const minted = mintSplitToken();
  const { rows } = await q.query<DeviceRow>(sql`
    INSERT INTO trusted_devices (id, user_id, secret_hash, label, ip, created_at, last_used_at, expires_at)
    VALUES (${minted.id}, ${input.userId}, ${minted.secretHash}, ${input.label}, ${input.ip}, ${input.now}, ${input.now}, ${addSeconds(input.now, input.ttlSeconds)})
    RETURNING id, label, host(ip) AS ip, created_at, last_used_at, expires_at`);
  return { token: minted.token, device: toDevice(rows[0]!) };
}

/** The live trusted device this token names, if it belongs to `userId`. */
export async function findTrustedDevice(q: Queryable, token: string, userId: string, now: Date): Promise<TrustedDevice | null> {
  const parsed = parseSplitToken(token);
  if (!parsed) return null;
  const { rows } = await q.query<DeviceRow & { secret_hash: string }>(sql`
    SELECT id, label, host(ip) AS ip, created_at, last_used_at, expires_at, secret_hash FROM trusted_devices
    WHERE id = ${parsed.id} AND user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now}`);
  const row = rows[0];
  // only a device that proved its secret is marked as used
  if (!row || !verifySplitSecret(parsed.secret, row.secret_hash)) return null;
  await q.query(sql`UPDATE trusted_devices SET last_used_at = ${now} WHERE id = ${row.id}`);
  return toDevice({ ...row, last_used_at: now });
}

export async function listTrustedDevices(q: Queryable, userId: string, now: Date): Promise<TrustedDevice[]> {
  const { rows } = await q.query<DeviceRow>(sql`
    SELECT id, label, host(ip) AS ip, created_at, last_used_at, expires_at FROM trusted_devices
    WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now}
    ORDER BY created_at DESC LIMIT 100`);
  return rows.map(toDevice);
}

/** Whose trusted device an id names (revoked or not); null when none has it. For auditing refusals. */
export async function findTrustedDeviceOwner(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ user_id: string }>(sql`SELECT user_id FROM trusted_devices WHERE id = ${id}`);
  return rows[0]?.user_id ?? null;
}

/** Revokes one of the user's devices; false if it is not theirs or already revoked. */
export async function revokeTrustedDevice(q: Queryable, userId: string, id: string, now: Date): Promise<boolean> {
  const result = await q.query(sql`
    UPDATE trusted_devices SET revoked_at = ${now} WHERE id = ${id} AND user_id = ${userId} AND revoked_at IS NULL`);
  return result.rowCount === 1;
}

export async function revokeAllTrustedDevices(q: Queryable, userId: string, now: Date): Promise<number> {
  const result = await q.query(sql`UPDATE trusted_devices SET revoked_at = ${now} WHERE user_id = ${userId} AND revoked_at IS NULL`);
  return result.rowCount;
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
