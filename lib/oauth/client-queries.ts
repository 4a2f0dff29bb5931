/** One function per SQL statement on oauth_clients. snake_case rows become camelCase here. */
import { sql, type Queryable } from "../db";
import type { RevocationReason } from "../sessions/queries";

export interface OAuthClientRecord {
  readonly id: string;
  readonly name: string;
  readonly secretHash: string | null;
  readonly isPublic: boolean;
  readonly firstParty: boolean;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly createdAt: Date;
  readonly secretRotatedAt: Date | null;
  readonly disabledAt: Date | null;
}

interface ClientRow {
  id: string;
  name: string;
  secret_hash: string | null;
  is_public: boolean;
  first_party: boolean;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  created_at: Date;
  secret_rotated_at: Date | null;
  disabled_at: Date | null;
}

const toClient = (r: ClientRow): OAuthClientRecord => ({
  id: r.id,
  name: r.name,
  secretHash: r.secret_hash,
  isPublic: r.is_public,
  firstParty: r.first_party,
  redirectUris: r.redirect_uris,
  postLogoutRedirectUris: r.post_logout_redirect_uris,
  createdAt: r.created_at,
  secretRotatedAt: r.secret_rotated_at,
  disabledAt: r.disabled_at,
});

export interface NewClient {
  readonly id: string;
  readonly name: string;
  readonly secretHash: string | null;
  readonly isPublic: boolean;
  readonly firstParty: boolean;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly now: Date;
}

/** The columns every statement returns (a constant fragment: no parameters). */
const CLIENT_COLUMNS = sql`
  id, name, secret_hash, is_public, first_party, redirect_uris, post_logout_redirect_uris, created_at, secret_rotated_at, disabled_at`;

export async function insertClient(q: Queryable, c: NewClient): Promise<OAuthClientRecord> {
  const { rows } = await q.query<ClientRow>(sql`
    INSERT INTO oauth_clients
      (id, name, secret_hash, is_public, first_party, redirect_uris, post_logout_redirect_uris, created_at)
    VALUES (${c.id}, ${c.name}, ${c.secretHash}, ${c.isPublic}, ${c.firstParty},
      ${[...c.redirectUris]}, ${[...c.postLogoutRedirectUris]}, ${c.now})
    RETURNING ${CLIENT_COLUMNS}`);
  return toClient(rows[0]!);
}

export async function findClientById(q: Queryable, id: string): Promise<OAuthClientRecord | null> {
  const { rows } = await q.query<ClientRow>(sql`
    SELECT ${CLIENT_COLUMNS}
    FROM oauth_clients WHERE id = ${id}`);
  return rows[0] ? toClient(rows[0]) : null;
}

export async function listClients(q: Queryable): Promise<OAuthClientRecord[]> {
  const { rows } = await q.query<ClientRow>(sql`
    SELECT ${CLIENT_COLUMNS}
    FROM oauth_clients ORDER BY created_at, id`);
  return rows.map(toClient);
}

/** Replaces a confidential client's secret hash; null when the client is unknown, public or disabled. */
export async function updateClientSecret(q: Queryable, id: string, secretHash: string, now: Date): Promise<OAuthClientRecord | null> {
  const { rows } = await q.query<ClientRow>(sql`
    UPDATE oauth_clients SET secret_hash = ${secretHash}, secret_rotated_at = ${now}
    WHERE id = ${id} AND NOT is_public AND disabled_at IS NULL
    RETURNING ${CLIENT_COLUMNS}`);
  return rows[0] ? toClient(rows[0]) : null;
}

/** Disables a client once; null when it is unknown or already disabled. */
export async function markClientDisabled(q: Queryable, id: string, now: Date): Promise<OAuthClientRecord | null> {
  const { rows } = await q.query<ClientRow>(sql`
    UPDATE oauth_clients SET disabled_at = ${now} WHERE id = ${id} AND disabled_at IS NULL
    RETURNING ${CLIENT_COLUMNS}`);
  return rows[0] ? toClient(rows[0]) : null;
}

/** Ends every live refresh family of a client (optionally of one user): returns their session ids. */
export async function revokeClientFamilies(
  q: Queryable,
  clientId: string,
  userId: string | null,
  reason: Extract<RevocationReason, "admin_revoked" | "token_revoked">,
  now: Date,
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(sql`
    UPDATE sessions SET revoked_at = ${now}, revoked_reason = ${reason}
    WHERE oauth_client_id = ${clientId} AND revoked_at IS NULL AND (${userId}::uuid IS NULL OR user_id = ${userId}::uuid)
    RETURNING id`);
  if (rows.length > 0) {
    await q.query(
      sql`UPDATE refresh_tokens SET revoked_at = ${now} WHERE session_id = ANY(${rows.map((r) => r.id)}::text[]) AND revoked_at IS NULL`,
    );
  }
  return rows.map((r) => r.id);
}
