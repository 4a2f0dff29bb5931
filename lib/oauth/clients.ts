/**
 * Registered OpenID Connect clients (relying parties).
 *
 * Model: a client id (128 random bits, base64url) is public. A confidential client also holds
 * a secret of 256 random bits, shown once at creation or rotation; only SHA-256(secret) is
 * stored and a presented secret is compared in constant time. A public client (a browser or
 * native app) has no secret: PKCE is its only proof. Redirect URIs and post-logout redirect
 * URIs are registered absolute URLs (https, or http on a loopback host), compared exactly.
 * A disabled client can no longer authorize, exchange or refresh, and its families end.
 *
 * Threats: secret theft from the database (hashes only), timing oracles on the secret
 * (constant-time compare), open redirects (exact match against the registered list only).
 * References: RFC 6749 §2.3 and §3.1.2, RFC 9700 §2.1 and §4.1, OpenID Connect Core §3.1.2.
 */
import { z } from "zod";
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex, timingSafeEqual } from "../crypto/digest";
import { randomToken } from "../crypto/random";
import {
  findClientById,
  insertClient,
  listClients,
  markClientDisabled,
  revokeClientFamilies,
  updateClientSecret,
  type OAuthClientRecord,
} from "./client-queries";

export type { OAuthClientRecord } from "./client-queries";

const CLIENT_ID_BYTES = 16;
const CLIENT_SECRET_BYTES = 32;
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const MAX_URIS = 20;
const URI_MAX_CHARS = 2000;

/** An absolute https URL (http only on a loopback host), without a fragment. */
export const redirectUriSchema = z
  .string()
  .max(URI_MAX_CHARS)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.hash !== "" || value.includes("#") || url.username !== "" || url.password !== "") return false;
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  }, "an absolute https URL (http only on localhost), without a fragment or credentials");

export const newClientSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    redirectUris: z.array(redirectUriSchema).min(1).max(MAX_URIS),
    postLogoutRedirectUris: z.array(redirectUriSchema).max(MAX_URIS).default([]),
    public: z.boolean().default(false),
    firstParty: z.boolean().default(false),
  })
  .strict();
export type NewClientInput = z.infer<typeof newClientSchema>;

/** What the admin API and the CLI show: never the secret's hash. */
export interface PublicClient {
  readonly id: string;
  readonly name: string;
  readonly public: boolean;
  readonly firstParty: boolean;
  readonly tokenEndpointAuthMethod: "none" | "client_secret_basic";
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly createdAt: string;
  readonly secretRotatedAt: string | null;
  readonly disabledAt: string | null;
}

export function publicClient(c: OAuthClientRecord): PublicClient {
  return {
    id: c.id,
    name: c.name,
    public: c.isPublic,
    firstParty: c.firstParty,
    tokenEndpointAuthMethod: c.isPublic ? "none" : "client_secret_basic",
    redirectUris: c.redirectUris,
    postLogoutRedirectUris: c.postLogoutRedirectUris,
    createdAt: c.createdAt.toISOString(),
    secretRotatedAt: c.secretRotatedAt?.toISOString() ?? null,
    disabledAt: c.disabledAt?.toISOString() ?? null,
  };
}

/** Who manages clients: an administrator's session (admin API) or the operator's shell (CLI: no actor id). */
export interface ClientManager {
  readonly actor: Actor;
  readonly actorId: string | null;
  readonly sessionId: string | null;
  readonly now: Date;
}

export async function createClient(
  db: Db,
  input: NewClientInput,
  by: ClientManager,
): Promise<{ client: PublicClient; secret: string | null }> {
  const secret = input.public ? null : randomToken(CLIENT_SECRET_BYTES);
  return db.transaction(async (tx) => {
    const client = await insertClient(tx, {
      id: randomToken(CLIENT_ID_BYTES),
      name: input.name,
      secretHash: secret === null ? null : sha256Hex(secret),
      isPublic: input.public,
      firstParty: input.firstParty,
      redirectUris: [...new Set(input.redirectUris)],
      postLogoutRedirectUris: [...new Set(input.postLogoutRedirectUris)],
      now: by.now,
    });
    await recordAuditEvent(tx, {
      type: "oauth.client.created",
      result: "success",
      actor: by.actor,
      actorId: by.actorId,
      sessionId: by.sessionId,
      now: by.now,
      details: {
        clientId: client.id,
        name: client.name,
        public: client.isPublic,
        firstParty: client.firstParty,
        redirectUris: client.redirectUris,
      },
    });
    return { client: publicClient(client), secret };
  });
}

export async function listAllClients(q: Queryable): Promise<PublicClient[]> {
  return (await listClients(q)).map(publicClient);
}

/** A new secret for a confidential client; the old one stops working at once. */
export async function rotateClientSecret(
  db: Db,
  clientId: string,
  by: ClientManager,
): Promise<Result<{ client: PublicClient; secret: string }>> {
  if (!CLIENT_ID_PATTERN.test(clientId)) return err("not_found");
  const secret = randomToken(CLIENT_SECRET_BYTES);
  return db.transaction(async (tx) => {
    const existing = await findClientById(tx, clientId);
    if (!existing) return err("not_found");
    const client = await updateClientSecret(tx, clientId, sha256Hex(secret), by.now);
    if (!client) return err("conflict");
    await recordAuditEvent(tx, {
      type: "oauth.client.secret_rotated",
      result: "success",
      actor: by.actor,
      actorId: by.actorId,
      sessionId: by.sessionId,
      now: by.now,
      details: { clientId },
    });
    return ok({ client: publicClient(client), secret });
  });
}

/** Disables a client and ends every refresh family issued to it. */
export async function disableClient(
  db: Db,
  clientId: string,
  by: ClientManager,
): Promise<Result<{ client: PublicClient; familiesRevoked: number }>> {
  if (!CLIENT_ID_PATTERN.test(clientId)) return err("not_found");
  return db.transaction(async (tx) => {
    const existing = await findClientById(tx, clientId);
    if (!existing) return err("not_found");
    const client = await markClientDisabled(tx, clientId, by.now);
    if (!client) return err("conflict");
    const families = await revokeClientFamilies(tx, clientId, null, "admin_revoked", by.now);
    await recordAuditEvent(tx, {
      type: "oauth.client.disabled",
      result: "success",
      actor: by.actor,
      actorId: by.actorId,
      sessionId: by.sessionId,
      now: by.now,
      details: { clientId, familiesRevoked: families.length },
    });
    return ok({ client: publicClient(client), familiesRevoked: families.length });
  });
}

/** An enabled client by id, or null (unknown, malformed or disabled look the same). */
export async function findActiveClient(q: Queryable, clientId: string): Promise<OAuthClientRecord | null> {
  if (!CLIENT_ID_PATTERN.test(clientId)) return null;
  const client = await findClientById(q, clientId);
  return client && client.disabledAt === null ? client : null;
}

export interface ClientCredentials {
  readonly clientId: string;
  /** null: no secret presented (method "none"). */
  readonly secret: string | null;
}

/**
 * Client authentication at the token, revocation endpoints: a public client must present no
 * secret; a confidential one must present its secret (client_secret_basic or _post).
 */
export async function authenticateClient(q: Queryable, creds: ClientCredentials): Promise<OAuthClientRecord | null> {
  const client = await findActiveClient(q, creds.clientId);
  if (!client) return null;
  if (client.isPublic) return creds.secret === null ? client : null;
  if (creds.secret === null || client.secretHash === null) return null;
  return timingSafeEqual(sha256Hex(creds.secret), client.secretHash) ? client : null;
}

/** Exact string match against the registered list: no prefix, wildcard or normalisation. */
export function isRegisteredRedirectUri(client: OAuthClientRecord, uri: string): boolean {
  return client.redirectUris.includes(uri);
}

export function isRegisteredPostLogoutUri(client: OAuthClientRecord, uri: string): boolean {
  return client.postLogoutRedirectUris.includes(uri);
}
