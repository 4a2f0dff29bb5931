/**
 * Trusted devices: after a successful second step the user may ask to trust the browser.
 * Model: a server-side row per device, and a cookie "id.secret" (only SHA-256 of the secret
 * stored), valid TRUSTED_DEVICE_TTL_SECONDS (default 30 days). A trusted device skips the
 * second step only for its own user, and can be listed and revoked.
 */
import { sql, type Queryable } from "../db";
import { addSeconds } from "../clock";
import { sha256Hex, timingSafeEqual } from "../crypto/digest";
import { randomToken } from "../crypto/random";

export const TRUSTED_DEVICE_COOKIE = "portcullis_device";
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

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
  id: r.id, label: r.label, ip: r.ip, createdAt: r.created_at, lastUsedAt: r.last_used_at, expiresAt: r.expires_at,
});

export async function trustDevice(
  q: Queryable,
  input: { userId: string; label: string | null; ip: string | null; now: Date; ttlSeconds: number },
): Promise<{ token: string; device: TrustedDevice }> {
  const id = randomToken(16);
  const secret = randomToken(32);
  const { rows } = await q.query<DeviceRow>(sql`
    INSERT INTO trusted_devices (id, user_id, secret_hash, label, ip, created_at, last_used_at, expires_at)
    VALUES (${id}, ${input.userId}, ${sha256Hex(secret)}, ${input.label}, ${input.ip}, ${input.now}, ${input.now}, ${addSeconds(input.now, input.ttlSeconds)})
    RETURNING id, label, host(ip) AS ip, created_at, last_used_at, expires_at`);
  return { token: `${id}.${secret}`, device: toDevice(rows[0]!) };
}

/** The live trusted device this token names, if it belongs to `userId`. */
export async function findTrustedDevice(q: Queryable, token: string, userId: string, now: Date): Promise<TrustedDevice | null> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const { rows } = await q.query<DeviceRow & { secret_hash: string }>(sql`
    SELECT id, label, host(ip) AS ip, created_at, last_used_at, expires_at, secret_hash FROM trusted_devices
    WHERE id = ${match[1]!} AND user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now}`);
  const row = rows[0];
  // only a device that proved its secret is marked as used
  if (!row || !timingSafeEqual(sha256Hex(match[2]!), row.secret_hash)) return null;
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
