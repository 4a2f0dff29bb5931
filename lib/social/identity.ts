/**
 * The provider side of a social sign-in, with openid-client (panva): discovery, the
 * authorization URL (state, PKCE S256, nonce), and at the callback the code exchange with
 * every check the library makes: the state against the cookie's, the RFC 9207 `iss` parameter
 * where the provider sends it, the PKCE verifier, and the ID token's iss, aud, azp, exp, iat
 * and nonce. GitHub is plain OAuth 2.0 (no ID token, no discovery): the same library exchanges
 * its code, and the identity comes from GET /user and /user/emails with the access token,
 * which is then dropped (nothing of the provider's is stored; issue 14).
 *
 * The key of an identity is the provider's stable subject (`sub`, GitHub's numeric user id),
 * never the email, which users and tenant administrators can change.
 */
import * as client from "openid-client";
import { z } from "zod";
import type { SocialFlow } from "./flow";
import { callbackUrl, type GitHubProviderConfig, type SocialProviderConfig } from "./providers";

export interface ProviderIdentity {
  /** The provider's stable user id. */
  readonly subject: string;
  readonly email: string | null;
  /** True only when the provider is authoritative for the address and says it is verified. */
  readonly emailVerified: boolean;
  readonly name: string | null;
}

/** Why a callback could not produce an identity (audited; the user sees one generic message). */
export class ProviderError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const configurations = new Map<string, Promise<client.Configuration>>();

function executeOptions(url: string) {
  // plain http only for a local issuer outside production (config refuses http in production)
  return url.startsWith("http://") ? { execute: [client.allowInsecureRequests] } : {};
}

function configurationFor(provider: SocialProviderConfig): Promise<client.Configuration> {
  const key = `${provider.id}|${provider.issuer}|${provider.clientId}`;
  let found = configurations.get(key);
  if (!found) {
    found =
      provider.kind === "github"
        ? Promise.resolve(githubConfiguration(provider))
        : client.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, executeOptions(provider.issuer));
    // a failed discovery (provider down) is retried by the next request, not cached
    found.catch(() => configurations.delete(key));
    configurations.set(key, found);
  }
  return found;
}

function githubConfiguration(provider: GitHubProviderConfig): client.Configuration {
  const config = new client.Configuration(
    {
      issuer: provider.issuer,
      authorization_endpoint: new URL("/login/oauth/authorize", provider.issuer).toString(),
      token_endpoint: new URL("/login/oauth/access_token", provider.issuer).toString(),
    },
    provider.clientId,
    provider.clientSecret,
  );
  if (provider.issuer.startsWith("http://")) client.allowInsecureRequests(config);
  return config;
}

export interface AuthorizationStart {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export async function startAuthorization(provider: SocialProviderConfig, appUrl: string): Promise<AuthorizationStart> {
  const config = await configurationFor(provider);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  const parameters: Record<string, string> = {
    redirect_uri: callbackUrl(appUrl, provider.id),
    scope: provider.kind === "github" ? "read:user user:email" : "openid email profile",
    state,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  };
  if (provider.kind === "oidc") parameters.nonce = nonce;
  return { url: client.buildAuthorizationUrl(config, parameters), state, nonce, codeVerifier };
}

/**
 * Exchanges the callback's code and reads the identity. Throws ProviderError for anything the
 * provider or the checks refuse (a denied consent, a wrong state, a bad ID token).
 */
export async function completeAuthorization(
  provider: SocialProviderConfig,
  appUrl: string,
  callbackSearch: string,
  flow: SocialFlow,
): Promise<ProviderIdentity> {
  const config = await configurationFor(provider);
  const currentUrl = new URL(callbackUrl(appUrl, provider.id));
  currentUrl.search = callbackSearch;
  const providerError = currentUrl.searchParams.get("error");
  if (providerError) throw new ProviderError(providerError === "access_denied" ? "access_denied" : "provider_error");
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, currentUrl, {
      expectedState: flow.state,
      pkceCodeVerifier: flow.codeVerifier,
      ...(provider.kind === "oidc" ? { expectedNonce: flow.nonce, idTokenExpected: true } : {}),
    });
  } catch (error) {
    throw new ProviderError(reasonOf(error));
  }
  if (provider.kind === "github") return githubIdentity(provider, config, tokens.access_token);
  const claims = tokens.claims();
  if (!claims) throw new ProviderError("id_token_missing");
  return oidcIdentity(provider.trustEmail, claims);
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && /^[A-Z_]{3,60}$/.test(code)) return code.toLowerCase();
  return "exchange_failed";
}

const claimsSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().email().max(320).optional(),
  email_verified: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
  name: z.string().max(200).optional(),
  hd: z.string().max(255).optional(),
});

export function oidcIdentity(trust: "google" | "claim" | "never", raw: unknown): ProviderIdentity {
  const parsed = claimsSchema.safeParse(raw);
  if (!parsed.success) throw new ProviderError("invalid_claims");
  const claims = parsed.data;
  const asserted = claims.email_verified === true || claims.email_verified === "true";
  const email = claims.email ?? null;
  // Google is authoritative for its own addresses and for Workspace domains (hd = the domain);
  // for another address it reports a past verification it does not own: not trusted.
  const googleOwns =
    email !== null &&
    (email.toLowerCase().endsWith("@gmail.com") ||
      (claims.hd !== undefined && email.toLowerCase().endsWith(`@${claims.hd.toLowerCase()}`)));
  const verified = email !== null && asserted && (trust === "claim" || (trust === "google" && googleOwns));
  return { subject: claims.sub, email, emailVerified: verified, name: claims.name ?? null };
}

const githubUser = z.object({
  id: z.number().int().positive(),
  name: z.string().max(200).nullable().optional(),
  login: z.string().max(100),
});
const githubEmails = z.array(z.object({ email: z.string().max(320), primary: z.boolean(), verified: z.boolean() })).max(100);

async function githubIdentity(
  provider: GitHubProviderConfig,
  config: client.Configuration,
  accessToken: string,
): Promise<ProviderIdentity> {
  const get = async (path: string): Promise<unknown> => {
    const headers = new Headers({ accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" });
    const response = await client.fetchProtectedResource(
      config,
      accessToken,
      new URL(path, withSlash(provider.apiUrl)),
      "GET",
      undefined,
      headers,
    );
    if (!response.ok) throw new ProviderError("userinfo_failed");
    return response.json();
  };
  const user = githubUser.safeParse(await get("user"));
  if (!user.success) throw new ProviderError("invalid_claims");
  const emails = githubEmails.safeParse(await get("user/emails"));
  const primary = emails.success ? (emails.data.find((e) => e.primary) ?? null) : null;
  return {
    subject: String(user.data.id),
    email: primary?.email ?? null,
    emailVerified: primary?.verified === true,
    name: user.data.name ?? user.data.login,
  };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
