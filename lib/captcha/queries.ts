/** The sign-in failure counters the CAPTCHA decision reads (written by lib/accounts/throttle.ts and sign-in.ts). */
import { sql, type Queryable } from "../db";

/** Failed sign-ins of an identifier since its last success (0 when it has none): the same row for unknown addresses. */
export async function identifierFailures(q: Queryable, subject: string): Promise<number> {
  const { rows } = await q.query<{ total_failures: number }>(sql`
    SELECT total_failures FROM login_throttles WHERE subject_hash = ${subject}`);
  return rows[0]?.total_failures ?? 0;
}
