/**
 * Principals for authorisation tests: accounts made cheaply through white-box SQL (no
 * password hashing), an administrator made the real way (sign-in, role granted through
 * serverSql, TOTP enrolled since the admin role requires MFA, re-authentication), and extra sessions "minted" for an account (a row exactly
 * as createSession writes it: random 128-bit id, SHA-256 of a 256-bit secret), so a test can
 * hand every request a session of its own without paying for a sign-in each time.
 */
import { createHash, randomBytes } from "node:crypto";
import { totpAt } from "./totp";
import { Client, serverSql, signedInClient, uniqueEmail } from "./http";

export const SESSION_COOKIE = "__Host-portcullis_session";

/** An account with no password (it cannot sign in), inserted directly. */
export async function insertUser(tag = "target", createdAt?: Date): Promise<{ id: string; email: string }> {
  const email = uniqueEmail(tag);
  const rows = await serverSql<{ id: string }>(
    "INSERT INTO users (email, created_at) VALUES ($1, COALESCE($2::timestamptz, now())) RETURNING id",
    [email, createdAt?.toISOString() ?? null],
  );
  return { id: rows[0]!.id, email };
}

export async function grantRole(userId: string, role: string): Promise<void> {
  await serverSql("INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = $2 ON CONFLICT DO NOTHING", [
    userId,
    role,
  ]);
}

export interface MintOptions {
  /** When the session last re-authenticated; default now (a fresh sign-in). */
  readonly reauthenticatedAt?: Date;
  readonly ip?: string;
  /** 2 for a session that verified a second factor (needed to use a require_mfa role such as admin); default 1. */
  readonly aal?: 1 | 2;
}

/** A live session for `userId`; returns the token ("id.secret") a client would hold. */
export async function mintSession(userId: string, options: MintOptions = {}): Promise<{ id: string; token: string }> {
  const id = randomBytes(16).toString("base64url");
  const secret = randomBytes(32).toString("base64url");
  const hash = createHash("sha256").update(secret).digest("hex");
  await serverSql(
    `INSERT INTO sessions (id, secret_hash, user_id, aal, amr, created_at, last_activity_at, idle_expires_at,
                           absolute_expires_at, reauthenticated_at, ip)
     VALUES ($1, $2, $3, $6, $7, now(), now(), now() + interval '1 day', now() + interval '2 days',
             COALESCE($4::timestamptz, now()), $5::inet)`,
    [
      id,
      hash,
      userId,
      options.reauthenticatedAt?.toISOString() ?? null,
      options.ip ?? null,
      options.aal ?? 1,
      options.aal === 2 ? ["pwd", "otp"] : ["pwd"],
    ],
  );
  return { id, token: `${id}.${secret}` };
}

/** A fresh client holding a minted session of `userId`. */
export async function clientFor(userId: string, options: MintOptions = {}): Promise<Client> {
  const client = new Client();
  const { token } = await mintSession(userId, { ...options, ip: options.ip ?? client.ip });
  client.jar.set(SESSION_COOKIE, token);
  return client;
}

export interface Principal {
  readonly client: Client;
  readonly userId: string;
  readonly email: string;
  readonly password: string;
}

export interface MfaPrincipal extends Principal {
  /** The base32 TOTP secret. */
  readonly totpSecret: string;
  /** Unused backup codes: shift() one to answer a second-factor prompt (sign-in, re-authentication). */
  readonly backupCodes: string[];
}

/**
 * Enrols TOTP the real way for a signed-in principal (the address marked verified first, as
 * enrolment needs): setup, then confirm with the current code. The confirmation steps the
 * principal's session up to aal2, so a require_mfa role (admin, support) is usable from it.
 */
export async function enrolTotp(principal: Principal): Promise<MfaPrincipal> {
  await serverSql("UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1", [principal.userId]);
  const setup = await principal.client.post("/api/auth/mfa/totp/setup");
  if (setup.status !== 200) throw new Error(`TOTP setup failed: ${setup.status} ${setup.text}`);
  const secret: string = setup.body.secret;
  const code = totpAt(secret);
  const confirm = await principal.client.post("/api/auth/mfa/totp/confirm", { code });
  if (confirm.status !== 200) throw new Error(`TOTP confirm failed: ${confirm.status} ${confirm.text}`);
  return { ...principal, totpSecret: secret, backupCodes: [...confirm.body.backupCodes] };
}

/**
 * Signs up and in, grants the admin role through white-box SQL, enrols TOTP (the admin role
 * requires MFA: an aal2 session), then re-authenticates with the password and a backup code.
 */
export async function signedInAdmin(): Promise<MfaPrincipal> {
  const principal = await enrolTotp(await signedInClient({ email: uniqueEmail("admin") }));
  await grantRole(principal.userId, "admin");
  const reauth = await principal.client.post("/api/auth/reauth", { password: principal.password, code: principal.backupCodes.shift() });
  if (reauth.status !== 200) throw new Error(`reauth failed: ${reauth.status} ${reauth.text}`);
  return principal;
}

/** Audit rows of one event type about a target, newest first. */
export async function auditRows(
  eventType: string,
  targetId: string,
): Promise<{ actor_id: string | null; target_id: string | null; session_id: string | null; details: any; result: string }[]> {
  return serverSql(
    "SELECT actor_id, target_id, session_id, details, result FROM audit_logs WHERE event_type = $1 AND target_id = $2 ORDER BY id DESC",
    [eventType, targetId],
  );
}
