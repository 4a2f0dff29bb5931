/** One function per SQL statement on trusted_devices. snake_case rows become camelCase here. */
import { sql, type Queryable } from "../db";
import type { TrustedDevice } from "./trusted-devices";

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

export interface NewTrustedDevice {
  readonly id: string;
  readonly userId: string;
  readonly secretHash: string;
  readonly label: string | null;
  readonly ip: string | null;
  readonly now: Date;
  readonly expiresAt: Date;
}

export async function insertTrustedDevice(q: Queryable, d: NewTrustedDevice): Promise<TrustedDevice> {
  const { rows } = await q.query<DeviceRow>(sql`
    INSERT INTO trusted_devices (id, user_id, secret_hash, label, ip, created_at, last_used_at, expires_at)
    VALUES (${d.id}, ${d.userId}, ${d.secretHash}, ${d.label}, ${d.ip}, ${d.now}, ${d.now}, ${d.expiresAt})
    RETURNING id, label, host(ip) AS ip, created_at, last_used_at, expires_at`);
  return toDevice(rows[0]!);
}

/** The live (unrevoked, unexpired) device with this id if it belongs to `userId`, with its secret hash to verify. */
export async function findLiveTrustedDevice(
  q: Queryable,
  id: string,
  userId: string,
  now: Date,
): Promise<{ device: TrustedDevice; secretHash: string } | null> {
  const { rows } = await q.query<DeviceRow & { secret_hash: string }>(sql`
    SELECT id, label, host(ip) AS ip, created_at, last_used_at, expires_at, secret_hash FROM trusted_devices
    WHERE id = ${id} AND user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now}`);
  const row = rows[0];
  return row ? { device: toDevice(row), secretHash: row.secret_hash } : null;
}

export async function touchTrustedDevice(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(sql`UPDATE trusted_devices SET last_used_at = ${now} WHERE id = ${id}`);
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

/** Revokes every unrevoked device of the user (expired ones too): how many. */
export async function revokeUserTrustedDevices(q: Queryable, userId: string, now: Date): Promise<number> {
  const result = await q.query(sql`UPDATE trusted_devices SET revoked_at = ${now} WHERE user_id = ${userId} AND revoked_at IS NULL`);
  return result.rowCount;
}
