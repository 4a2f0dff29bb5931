/** One function per SQL statement on oauth_accounts (linked social identities). */
import { sql, type Queryable } from "../db";
import type { UserRecord } from "../users/queries";

export interface LinkedIdentity {
  readonly id: string;
  readonly userId: string;
  readonly provider: string;
  readonly email: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

interface IdentityRow {
  id: string;
  user_id: string;
  provider: string;
  email: string | null;
  created_at: Date;
  last_used_at: Date | null;
}

const toIdentity = (r: IdentityRow): LinkedIdentity => ({
  id: r.id,
  userId: r.user_id,
  provider: r.provider,
  email: r.email,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export async function findIdentity(q: Queryable, provider: string, providerAccountId: string): Promise<LinkedIdentity | null> {
  const { rows } = await q.query<IdentityRow>(sql`
    SELECT id, user_id, provider, email, created_at, last_used_at
    FROM oauth_accounts WHERE provider = ${provider} AND provider_account_id = ${providerAccountId}`);
  return rows[0] ? toIdentity(rows[0]) : null;
}

export async function listIdentities(q: Queryable, userId: string): Promise<LinkedIdentity[]> {
  const { rows } = await q.query<IdentityRow>(sql`
    SELECT id, user_id, provider, email, created_at, last_used_at
    FROM oauth_accounts WHERE user_id = ${userId} ORDER BY created_at, id`);
  return rows.map(toIdentity);
}

/** Links an identity; null when the identity is linked already, or the user has one of this provider. */
export async function insertIdentity(
  q: Queryable,
  input: { userId: string; provider: string; providerAccountId: string; email: string | null; now: Date },
): Promise<LinkedIdentity | null> {
  const { rows } = await q.query<IdentityRow>(sql`
    INSERT INTO oauth_accounts (user_id, provider, provider_account_id, email, created_at)
    VALUES (${input.userId}, ${input.provider}, ${input.providerAccountId}, ${input.email}, ${input.now})
    ON CONFLICT DO NOTHING
    RETURNING id, user_id, provider, email, created_at, last_used_at`);
  return rows[0] ? toIdentity(rows[0]) : null;
}

export async function touchIdentity(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(sql`UPDATE oauth_accounts SET last_used_at = ${now} WHERE id = ${id}`);
}

/** Locks the user row, so that two unlinks of one account run one after the other. */
export async function lockUserForUnlink(q: Queryable, userId: string): Promise<{ hasPassword: boolean } | null> {
  const { rows } = await q.query<{ has_password: boolean }>(sql`
    SELECT password_hash IS NOT NULL AS has_password FROM users WHERE id = ${userId} AND deleted_at IS NULL FOR UPDATE`);
  return rows[0] ? { hasPassword: rows[0].has_password } : null;
}

/**
 * Unlinks one identity of the user, only if the account keeps a way to sign in (a password or
 * another identity); the caller holds the user row lock (lockUserForUnlink).
 */
export async function deleteIdentityKeepingASignInMethod(q: Queryable, userId: string, id: string): Promise<LinkedIdentity | null> {
  const { rows } = await q.query<IdentityRow>(sql`
    DELETE FROM oauth_accounts o
    WHERE o.id = ${id} AND o.user_id = ${userId}
      AND (EXISTS (SELECT 1 FROM users u WHERE u.id = ${userId} AND u.password_hash IS NOT NULL)
           OR EXISTS (SELECT 1 FROM oauth_accounts x WHERE x.user_id = ${userId} AND x.id <> ${id}))
    RETURNING o.id, o.user_id, o.provider, o.email, o.created_at, o.last_used_at`);
  return rows[0] ? toIdentity(rows[0]) : null;
}

export async function findIdentityOfUser(q: Queryable, userId: string, id: string): Promise<LinkedIdentity | null> {
  const { rows } = await q.query<IdentityRow>(sql`
    SELECT id, user_id, provider, email, created_at, last_used_at FROM oauth_accounts WHERE id = ${id} AND user_id = ${userId}`);
  return rows[0] ? toIdentity(rows[0]) : null;
}

/** A new account with no password, for a first social sign-in; null when a live account has the email. */
export async function insertUserWithoutPassword(
  q: Queryable,
  input: { email: string; name: string | null; emailVerified: boolean; now: Date },
): Promise<UserRecord | null> {
  const verifiedAt = input.emailVerified ? input.now : null;
  const { rows } = await q.query<{
    id: string;
    email: string;
    name: string | null;
    status: "active" | "disabled";
    email_verified_at: Date | null;
    created_at: Date;
  }>(sql`
    INSERT INTO users (email, name, email_verified_at, created_at)
    VALUES (${input.email}, ${input.name}, ${verifiedAt}, ${input.now})
    ON CONFLICT (email) WHERE deleted_at IS NULL DO NOTHING
    RETURNING id, email, name, status, email_verified_at, created_at`);
  const r = rows[0];
  return r
    ? {
        id: r.id,
        email: r.email,
        name: r.name,
        status: r.status,
        passwordHash: null,
        emailVerifiedAt: r.email_verified_at,
        createdAt: r.created_at,
      }
    : null;
}

export async function userHasPassword(q: Queryable, userId: string): Promise<boolean> {
  const { rows } = await q.query<{ has_password: boolean }>(sql`
    SELECT password_hash IS NOT NULL AS has_password FROM users WHERE id = ${userId} AND deleted_at IS NULL`);
  return rows[0]?.has_password === true;
}
