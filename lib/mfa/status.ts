/** Does this user have an active second factor? (Sign-in asks before issuing a session.) */
import { sql, type Queryable } from "../db";

export async function hasActiveMfa(q: Queryable, userId: string): Promise<boolean> {
  const { rows } = await q.query<{ present: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = ${userId} AND status = 'active') AS present`);
  return rows[0]?.present === true;
}
