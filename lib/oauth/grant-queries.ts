/**
 * One function per SQL statement on oauth_authorization_codes, oauth_consents, and the
 * OpenID Connect columns of sessions. snake_case rows become camelCase here.
 */
import { sql, type Queryable } from "../db";

export interface AuthorizationCodeRecord {
  readonly clientId: string;
  readonly userId: string;
  readonly browserSessionId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly scopes: readonly string[];
  readonly authTime: Date;
  readonly acr: string;
  readonly amr: readonly string[];
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly familySessionId: string | null;
}

interface CodeRow {
  client_id: string;
  user_id: string;
  browser_session_id: string;
  redirect_uri: string;
  code_challenge: string;
  nonce: string | null;
  scopes: string[];
  auth_time: Date;
  acr: string;
  amr: string[];
  expires_at: Date;
  used_at: Date | null;
  family_session_id: string | null;
}

const toCode = (r: CodeRow): AuthorizationCodeRecord => ({
  clientId: r.client_id,
  userId: r.user_id,
  browserSessionId: r.browser_session_id,
  redirectUri: r.redirect_uri,
  codeChallenge: r.code_challenge,
  nonce: r.nonce,
  scopes: r.scopes,
  authTime: r.auth_time,
  acr: r.acr,
  amr: r.amr,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  familySessionId: r.family_session_id,
});

export interface NewAuthorizationCode extends Omit<AuthorizationCodeRecord, "usedAt" | "familySessionId"> {
  readonly codeHash: string;
  readonly now: Date;
}

export async function insertAuthorizationCode(q: Queryable, c: NewAuthorizationCode): Promise<void> {
  await q.query(sql`
    INSERT INTO oauth_authorization_codes (code_hash, client_id, user_id, browser_session_id, redirect_uri, code_challenge, nonce,
                                           scopes, auth_time, acr, amr, created_at, expires_at)
    VALUES (${c.codeHash}, ${c.clientId}, ${c.userId}, ${c.browserSessionId}, ${c.redirectUri}, ${c.codeChallenge}, ${c.nonce},
            ${[...c.scopes]}, ${c.authTime}, ${c.acr}, ${[...c.amr]}, ${c.now}, ${c.expiresAt})`);
}

/** Spends a code once: the one guarded statement that makes it single use. null: unknown or already spent. */
export async function markCodeUsed(q: Queryable, codeHash: string, now: Date): Promise<AuthorizationCodeRecord | null> {
  const { rows } = await q.query<CodeRow>(sql`
    UPDATE oauth_authorization_codes SET used_at = ${now} WHERE code_hash = ${codeHash} AND used_at IS NULL
    RETURNING client_id, user_id, browser_session_id, redirect_uri, code_challenge, nonce, scopes, auth_time, acr, amr,
      expires_at, used_at, family_session_id`);
  return rows[0] ? toCode(rows[0]) : null;
}

export async function findCodeByHash(q: Queryable, codeHash: string): Promise<AuthorizationCodeRecord | null> {
  const { rows } = await q.query<CodeRow>(sql`
    SELECT client_id, user_id, browser_session_id, redirect_uri, code_challenge, nonce, scopes, auth_time, acr, amr,
      expires_at, used_at, family_session_id
    FROM oauth_authorization_codes WHERE code_hash = ${codeHash}`);
  return rows[0] ? toCode(rows[0]) : null;
}

export async function setCodeFamily(q: Queryable, codeHash: string, familySessionId: string): Promise<void> {
  await q.query(sql`UPDATE oauth_authorization_codes SET family_session_id = ${familySessionId} WHERE code_hash = ${codeHash}`);
}

/** Makes a fresh session row the refresh family of a client, with the granted scopes. */
export async function linkFamilyToClient(q: Queryable, sessionId: string, clientId: string, scopes: readonly string[]): Promise<void> {
  await q.query(sql`UPDATE sessions SET oauth_client_id = ${clientId}, oauth_scopes = ${[...scopes]} WHERE id = ${sessionId}`);
}

/** The families a client got through codes issued from one browser session (RP-initiated logout ends them). */
export async function revokeFamiliesFromBrowserSession(
  q: Queryable,
  browserSessionId: string,
  clientId: string,
  now: Date,
): Promise<number> {
  const { rows } = await q.query<{ id: string }>(sql`
    UPDATE sessions SET revoked_at = ${now}, revoked_reason = 'logout'
    WHERE revoked_at IS NULL AND id IN (
      SELECT family_session_id FROM oauth_authorization_codes
      WHERE browser_session_id = ${browserSessionId} AND client_id = ${clientId} AND family_session_id IS NOT NULL)
    RETURNING id`);
  if (rows.length > 0) {
    await q.query(
      sql`UPDATE refresh_tokens SET revoked_at = ${now} WHERE session_id = ANY(${rows.map((r) => r.id)}::text[]) AND revoked_at IS NULL`,
    );
  }
  return rows.length;
}

// --- consents -----------------------------------------------------------------------------------

export interface ConsentRecord {
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly grantedAt: Date;
}

export async function findConsentScopes(q: Queryable, userId: string, clientId: string): Promise<readonly string[] | null> {
  const { rows } = await q.query<{ scopes: string[] }>(sql`
    SELECT scopes FROM oauth_consents WHERE user_id = ${userId} AND client_id = ${clientId}`);
  return rows[0]?.scopes ?? null;
}

/** Records (or widens) a consent: the union of what was granted before and now. */
export async function upsertConsent(q: Queryable, userId: string, clientId: string, scopes: readonly string[], now: Date): Promise<void> {
  await q.query(sql`
    INSERT INTO oauth_consents (user_id, client_id, scopes, granted_at) VALUES (${userId}, ${clientId}, ${[...scopes]}, ${now})
    ON CONFLICT (user_id, client_id) DO UPDATE SET
      scopes = ARRAY(SELECT DISTINCT unnest(oauth_consents.scopes || EXCLUDED.scopes) ORDER BY 1),
      granted_at = EXCLUDED.granted_at`);
}

export async function listConsents(q: Queryable, userId: string): Promise<ConsentRecord[]> {
  const { rows } = await q.query<{ client_id: string; name: string; scopes: string[]; granted_at: Date }>(sql`
    SELECT c.client_id, k.name, c.scopes, c.granted_at
    FROM oauth_consents c JOIN oauth_clients k ON k.id = c.client_id
    WHERE c.user_id = ${userId} ORDER BY c.granted_at DESC`);
  return rows.map((r) => ({ clientId: r.client_id, clientName: r.name, scopes: r.scopes, grantedAt: r.granted_at }));
}

export async function deleteConsent(q: Queryable, userId: string, clientId: string): Promise<boolean> {
  const result = await q.query(sql`DELETE FROM oauth_consents WHERE user_id = ${userId} AND client_id = ${clientId}`);
  return result.rowCount > 0;
}
