/** One function per SQL statement on users and password history. */
import { sql, type Queryable } from "../db";

export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly status: "active" | "disabled";
  readonly passwordHash: string | null;
  readonly emailVerifiedAt: Date | null;
  readonly createdAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  status: "active" | "disabled";
  password_hash: string | null;
  email_verified_at: Date | null;
  created_at: Date;
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  status: r.status,
  passwordHash: r.password_hash,
  emailVerifiedAt: r.email_verified_at,
  createdAt: r.created_at,
});

export async function findUserByEmail(q: Queryable, email: string): Promise<UserRecord | null> {
  const { rows } = await q.query<UserRow>(sql`
    SELECT id, email, name, status, password_hash, email_verified_at, created_at
    FROM users WHERE email = ${email} AND deleted_at IS NULL`);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserById(q: Queryable, id: string): Promise<UserRecord | null> {
  const { rows } = await q.query<UserRow>(sql`
    SELECT id, email, name, status, password_hash, email_verified_at, created_at
    FROM users WHERE id = ${id} AND deleted_at IS NULL`);
  return rows[0] ? toUser(rows[0]) : null;
}

/** Inserts a user unless a live account has this email; null when it exists. */
export async function insertUserIfAbsent(
  q: Queryable,
  input: { email: string; name: string | null; passwordHash: string; now: Date },
): Promise<UserRecord | null> {
  const { rows } = await q.query<UserRow>(sql`
    INSERT INTO users (email, name, password_hash, password_changed_at, created_at)
    VALUES (${input.email}, ${input.name}, ${input.passwordHash}, ${input.now}, ${input.now})
    ON CONFLICT (email) WHERE deleted_at IS NULL DO NOTHING
    RETURNING id, email, name, status, password_hash, email_verified_at, created_at`);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function insertPasswordHistory(q: Queryable, userId: string, passwordHash: string, now: Date): Promise<void> {
  await q.query(sql`INSERT INTO password_history (user_id, password_hash, created_at) VALUES (${userId}, ${passwordHash}, ${now})`);
}

/** The user's `count` latest password hashes, newest first (the reuse check). */
export async function listRecentPasswordHashes(q: Queryable, userId: string, count: number): Promise<string[]> {
  const { rows } = await q.query<{ password_hash: string }>(sql`
    SELECT password_hash FROM password_history WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC LIMIT ${count}`);
  return rows.map((r) => r.password_hash);
}

/** Replaces a hash by an upgraded one, only if it is still the hash that was verified. */
export async function upgradePasswordHash(q: Queryable, userId: string, oldHash: string, newHash: string): Promise<void> {
  await q.query(sql`UPDATE users SET password_hash = ${newHash} WHERE id = ${userId} AND password_hash = ${oldHash}`);
}

/** The moment of the latest successful sign-in (lib/accounts/sign-in-session.ts). */
export async function recordLastLogin(q: Queryable, userId: string, now: Date): Promise<void> {
  await q.query(sql`UPDATE users SET last_login_at = ${now} WHERE id = ${userId}`);
}

/** Sets (or, with null, clears) the display name of a live account. */
export async function updateUserName(q: Queryable, userId: string, name: string | null): Promise<void> {
  await q.query(sql`UPDATE users SET name = ${name} WHERE id = ${userId} AND deleted_at IS NULL`);
}
