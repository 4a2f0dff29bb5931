/** One function per SQL statement on login_devices (the device cookies of lib/users/login-devices.ts). */
import { sql, type Queryable } from "../db";

/**
 * Counts one failure against the live device with this id, subject and secret hash, if its
 * budget (`maxFailures`) is not spent: its id, or null. One guarded UPDATE, so parallel
 * attempts cannot take more than the budget.
 */
export async function takeLoginDeviceAttempt(
  q: Queryable,
  input: { id: string; subject: string; secretHash: string; now: Date; maxFailures: number },
): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(sql`
    UPDATE login_devices SET failures = failures + 1
    WHERE id = ${input.id} AND subject_hash = ${input.subject} AND secret_hash = ${input.secretHash}
      AND expires_at > ${input.now} AND failures < ${input.maxFailures}
    RETURNING id`);
  return rows[0]?.id ?? null;
}

export async function deleteLoginDevice(q: Queryable, id: string): Promise<void> {
  await q.query(sql`DELETE FROM login_devices WHERE id = ${id}`);
}

export async function insertLoginDevice(
  q: Queryable,
  d: { id: string; subject: string; secretHash: string; now: Date; expiresAt: Date },
): Promise<void> {
  await q.query(sql`
    INSERT INTO login_devices (id, subject_hash, secret_hash, failures, created_at, last_success_at, expires_at)
    VALUES (${d.id}, ${d.subject}, ${d.secretHash}, 0, ${d.now}, ${d.now}, ${d.expiresAt})`);
}

/** A success through the device: its budget starts again. */
export async function resetLoginDeviceFailures(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(sql`UPDATE login_devices SET failures = 0, last_success_at = ${now} WHERE id = ${id}`);
}
