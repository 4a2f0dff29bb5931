/**
 * Identity providers for the social sign-in tests (issue 14), started by the tests on free ports:
 *  - startOidcProvider: panva's oidc-provider, a real OpenID provider, standing in for Google
 *    and Microsoft (test accounts; its development login form takes any account id; consent
 *    is granted up front so the flow is login -> back to the site);
 *  - startTestOAuthServer: a small server written here, in two shapes: "github" (plain OAuth
 *    2.0 like GitHub's: authorize form, token endpoint, GET /user and /user/emails, no ID
 *    token) and "oidc" (a minimal OpenID issuer with discovery whose ID tokens can be made
 *    wrong on purpose: another aud or iss, another nonce, expired), for the generic issuer slot.
 * Both check PKCE (S256) and single-use codes like real providers.
 * BrowserJar follows redirects across the site and the providers the way a browser would, with
 * its cookies kept per origin.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import Provider from "oidc-provider";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { freePort } from "./portcullis-server";

export interface TestAccount {
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
}

export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---- oidc-provider -------------------------------------------------------------------------

export interface RunningProvider {
  readonly issuer: string;
  readonly accounts: Map<string, TestAccount>;
  stop(): Promise<void>;
}

export async function startOidcProvider(
  clients: readonly TestClient[],
  accounts: readonly TestAccount[],
  port?: number,
): Promise<RunningProvider> {
  port ??= await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const byId = new Map(accounts.map((a) => [a.sub, a]));
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [c.redirectUri],
      token_endpoint_auth_method: "client_secret_post",
    })),
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // the claims of the granted scopes in the ID token itself, as Google and Entra ID send them
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(16).toString("hex")] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string) {
      const account = byId.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account }) };
    },
    // consent granted up front: the test journeys are login -> back to the site
    async loadExistingGrant(ctx: any) {
      const client = ctx.oidc.client;
      const accountId = ctx.oidc.session.accountId;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  const server = createServer(provider.callback());
  await listen(server, port);
  return { issuer, accounts: byId, stop: () => close(server) };
}

// ---- the small OAuth 2.0 / OpenID server ------------------------------------------------------

export type IdTokenFault = "aud" | "iss" | "nonce" | "expired" | null;

export interface TestOAuthServer {
  readonly url: string;
  readonly accounts: Map<string, TestAccount & { emails?: { email: string; primary: boolean; verified: boolean }[] }>;
  /** The next ID tokens are wrong in this way (oidc shape only). */
  idTokenFault: IdTokenFault;
  /** Codes issued so far (to replay one). */
  readonly issuedCodes: string[];
  stop(): Promise<void>;
}

interface PendingCode {
  readonly account: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string | null;
  readonly nonce: string | null;
  used: boolean;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => resolve(new URLSearchParams(data)));
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/html; charset=utf-8" : "application/json", ...headers });
  res.end(text);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startTestOAuthServer(shape: "github" | "oidc", client: TestClient, port?: number): Promise<TestOAuthServer> {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test", alg: "RS256", use: "sig" };
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, string>();
  const state: TestOAuthServer = { url, accounts: new Map(), idTokenFault: null, issuedCodes: [], stop: async () => {} };
  const authorizePath = shape === "github" ? "/login/oauth/authorize" : "/authorize";
  const tokenPath = shape === "github" ? "/login/oauth/access_token" : "/token";

  const server = createServer(async (req, res) => {
    const u = new URL(req.url ?? "/", url);
    if (shape === "oidc" && u.pathname === "/.well-known/openid-configuration") {
      return send(res, 200, {
        issuer: url,
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_post"],
      });
    }
    if (shape === "oidc" && u.pathname === "/jwks") return send(res, 200, { keys: [jwk] });
    if (u.pathname === authorizePath && req.method === "GET") {
      // the provider's login page: pick the account, or deny
      const q = u.searchParams;
      const hidden = [...q].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join("");
      return send(
        res,
        200,
        `<!doctype html><title>Test provider</title><form method="post" action="${authorizePath}">${hidden}
<label for="login">Account</label><input id="login" name="login"><button name="decision" value="allow">Sign in</button>
<button name="decision" value="deny">Cancel</button></form>`,
      );
    }
    if (u.pathname === authorizePath && req.method === "POST") {
      const f = await readForm(req);
      const redirectUri = f.get("redirect_uri") ?? "";
      if (f.get("client_id") !== client.clientId || redirectUri !== client.redirectUri) return send(res, 400, { error: "invalid_client" });
      const back = new URL(redirectUri);
      if (f.get("state")) back.searchParams.set("state", f.get("state")!);
      if (f.get("decision") === "deny" || !state.accounts.has(f.get("login") ?? "")) {
        back.searchParams.set("error", "access_denied");
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      const code = randomBytes(16).toString("hex");
      codes.set(code, {
        account: f.get("login")!,
        clientId: client.clientId,
        redirectUri,
        challenge: f.get("code_challenge"),
        nonce: f.get("nonce"),
        used: false,
      });
      state.issuedCodes.push(code);
      back.searchParams.set("code", code);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (u.pathname === tokenPath && req.method === "POST") {
      const f = await readForm(req);
      const pending = codes.get(f.get("code") ?? "");
      if (f.get("client_id") !== client.clientId || f.get("client_secret") !== client.clientSecret) {
        return send(res, 401, { error: "invalid_client" });
      }
      if (!pending || pending.used || pending.redirectUri !== f.get("redirect_uri")) return send(res, 400, { error: "invalid_grant" });
      const verifier = f.get("code_verifier") ?? "";
      if (pending.challenge !== createHash("sha256").update(verifier).digest("base64url"))
        return send(res, 400, { error: "invalid_grant" });
      pending.used = true;
      const accessToken = randomBytes(20).toString("hex");
      tokens.set(accessToken, pending.account);
      if (shape === "github") return send(res, 200, { access_token: accessToken, token_type: "bearer", scope: "read:user,user:email" });
      const account = state.accounts.get(pending.account)!;
      const fault = state.idTokenFault;
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({
        email: account.email,
        email_verified: account.email_verified,
        name: account.name,
        nonce: fault === "nonce" ? "another-nonce-entirely-0000" : (pending.nonce ?? undefined),
      })
        .setProtectedHeader({ alg: "RS256", kid: "test" })
        .setSubject(account.sub)
        .setIssuer(fault === "iss" ? "http://127.0.0.1:1" : url)
        .setAudience(fault === "aud" ? "someone-else" : client.clientId)
        .setIssuedAt(fault === "expired" ? now - 7200 : now)
        .setExpirationTime(fault === "expired" ? now - 3600 : now + 300)
        .sign(privateKey);
      return send(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: 300, id_token: idToken });
    }
    if (shape === "github" && (u.pathname === "/api/user" || u.pathname === "/api/user/emails")) {
      const login = tokens.get((req.headers.authorization ?? "").replace(/^(Bearer|token) /i, ""));
      const account = login ? state.accounts.get(login) : undefined;
      if (!account) return send(res, 401, { message: "Bad credentials" });
      if (u.pathname === "/api/user") return send(res, 200, { id: Number(account.sub), login, name: account.name ?? null });
      return send(res, 200, account.emails ?? []);
    }
    send(res, 404, { error: "not_found" });
  });
  await listen(server, port);
  return Object.assign(state, { stop: () => close(server) });
}

// ---- a browser's cookies and redirects ------------------------------------------------------

export interface Hop {
  readonly url: string;
  readonly status: number;
  readonly location: string | null;
  readonly text: string;
}

/** Cookies per origin, manual redirects: what a browser does between the site and a provider. */
export class BrowserJar {
  private readonly jars = new Map<string, Map<string, string>>();

  constructor(private readonly ip = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`) {}

  cookies(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new Map();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  async fetch(
    url: string,
    init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Hop> {
    const target = new URL(url);
    const jar = this.cookies(target.origin);
    const method = init.method ?? (init.form || init.json !== undefined ? "POST" : "GET");
    // a browser sends Origin with every state-changing request
    const headers: Record<string, string> = {
      "x-real-ip": this.ip,
      ...(method === "GET" ? {} : { origin: target.origin }),
      ...init.headers,
    };
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const res = await fetch(target, { method, headers, body, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/Max-Age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get("location");
    return {
      url: target.toString(),
      status: res.status,
      location: location ? new URL(location, target).toString() : null,
      text: await res.text(),
    };
  }

  /** Follows redirects from `url` while they stay away from `stopAt` (an origin+path prefix); returns the last hop. */
  async follow(url: string, stopAt: (url: string) => boolean, limit = 10): Promise<Hop> {
    let hop = await this.fetch(url);
    for (let i = 0; i < limit && hop.location && !stopAt(hop.location); i++) hop = await this.fetch(hop.location);
    return hop;
  }
}

/** The provider login page's form target for oidc-provider's development interaction. */
export function interactionAction(html: string, pageUrl: string): string {
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no form on ${pageUrl}: ${html.slice(0, 200)}`);
  return new URL(match[1]!.replace(/&amp;/g, "&"), pageUrl).toString();
}
