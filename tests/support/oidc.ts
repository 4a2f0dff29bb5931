/**
 * Relying-party helpers for the OpenID Connect tests: register a client through the admin API,
 * point openid-client at the test server, and walk a browser-less authorization request
 * (the session cookie of a Client, the consent page's API call) to the redirect URI.
 *
 * The test server's issuer is its APP_URL (https://portcullis.test) while it listens on
 * baseUrl() (http://127.0.0.1:<port>): openid-client's customFetch moves each request there,
 * as a reverse proxy in front of the app would, so every check openid-client makes (issuer,
 * HTTPS endpoints, iss in the response, ID-token signature and claims) stays at its default.
 */
import * as oidc from "openid-client";
import { TEST_APP_URL } from "./env";
import { type Client, baseUrl, randomIp } from "./http";
import type { Principal } from "./principals";

export const REDIRECT_URI = "https://rp.example/callback";
export const POST_LOGOUT_URI = "https://rp.example/signed-out";

export interface RegisteredClient {
  readonly id: string;
  readonly secret: string | null;
}

export async function registerClient(
  admin: Principal,
  options: { name?: string; public?: boolean; firstParty?: boolean; redirectUris?: string[]; postLogoutRedirectUris?: string[] } = {},
): Promise<RegisteredClient> {
  const res = await admin.client.post("/api/admin/oauth/clients", {
    name: options.name ?? "Relying party",
    redirectUris: options.redirectUris ?? [REDIRECT_URI],
    postLogoutRedirectUris: options.postLogoutRedirectUris ?? [POST_LOGOUT_URI],
    public: options.public ?? false,
    firstParty: options.firstParty ?? false,
  });
  if (res.status !== 201) throw new Error(`client registration failed: ${res.status} ${res.text}`);
  return { id: res.body.client.id, secret: res.body.clientSecret };
}

/** A fetch that sends the relying party's requests for TEST_APP_URL to the test server, from one IP. */
export function serverFetch(ip = randomIp()): oidc.CustomFetch {
  return (url, options) => {
    const target = url.startsWith(TEST_APP_URL) ? `${baseUrl()}${url.slice(TEST_APP_URL.length)}` : url;
    const headers = new Headers(options.headers as HeadersInit);
    headers.set("x-real-ip", ip);
    return fetch(target, { ...options, headers } as RequestInit);
  };
}

/** openid-client's Configuration for a registered client, from discovery, with its default checks. */
export async function discover(client: RegisteredClient, auth: "basic" | "post" = "post"): Promise<oidc.Configuration> {
  const clientAuth =
    client.secret === null ? oidc.None() : auth === "basic" ? oidc.ClientSecretBasic(client.secret) : oidc.ClientSecretPost(client.secret);
  return oidc.discovery(new URL(TEST_APP_URL), client.id, undefined, clientAuth, { [oidc.customFetch]: serverFetch() });
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

export async function authorizationRequest(config: oidc.Configuration, extra: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid email profile offline_access",
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** The path and query of a URL on the test server's issuer. */
export function serverPath(url: URL | string): string {
  const u = new URL(url);
  if (u.origin !== TEST_APP_URL && u.origin !== baseUrl()) throw new Error(`not a Portcullis URL: ${u}`);
  return `${u.pathname}${u.search}`;
}

/**
 * Follows an authorization request as a signed-in browser would, without rendering pages: the
 * authorization endpoint, then (if it sends there) the consent page's decision. Returns the URL
 * the browser finally lands on (the client's redirect URI, the sign-in page or the error page).
 */
export async function followAuthorization(browser: Client, url: URL | string, decision: "allow" | "deny" = "allow"): Promise<URL> {
  const res = await browser.get(serverPath(url));
  if (res.status !== 302) throw new Error(`authorize answered ${res.status} ${res.text}`);
  const location = new URL(res.headers.get("location")!, TEST_APP_URL);
  if (location.origin === TEST_APP_URL && location.pathname === "/oauth/consent") {
    const consent = await browser.post("/api/oauth/consent", { query: location.search.slice(1), decision });
    if (consent.status !== 200) throw new Error(`consent answered ${consent.status} ${consent.text}`);
    return new URL(consent.body.redirectTo, TEST_APP_URL);
  }
  return location;
}
