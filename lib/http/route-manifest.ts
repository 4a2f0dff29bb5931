/**
 * The route manifest (checklist H6): every route handler under app/, by method and path, with
 * the status each kind of caller gets when it sends an empty JSON body ({}) for POST, no body
 * otherwise, and path parameters that name nothing of theirs (a fresh account for admin
 * routes, a random id elsewhere):
 *   anonymous  no cookie
 *   user       a fresh session of an ordinary account (no role, no second factor)
 *   admin      a fresh session of an account with the admin role, inside the re-authentication window
 * `mutates`: the route changes state (it must refuse cross-site requests, #61) unless
 * `csrf` is false because it is authenticated by a bearer secret or is a test hook, not a cookie.
 *
 * tests/http/authz-matrix.test.ts walks app/**\/route.ts (and the test build's route.test-route.ts
 * and route.bench-route.ts) and fails if a route on disk is
 * missing here (or listed here but gone), so no route can be added without deciding who may
 * call it. Admins have no "set password" route (#64): the manifest test checks that too.
 *
 * scripts/docs.ts writes docs/openapi.json from this list and each route's schema.ts (its zod
 * body, query and path parameters); `success` is the status of a successful call there.
 */

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Path-parameter values the matrix substitutes. */
export const PARAM = {
  /** a fresh account made for this one request */
  targetUser: "$targetUser",
  /** a well-formed random id that names nothing */
  randomId: "$randomId",
} as const;

export interface RouteEntry {
  readonly method: Method;
  /** As on disk, e.g. /api/admin/users/[id] */
  readonly path: string;
  /** The status of a successful call (OpenAPI's success response). Default: 200. */
  readonly success?: number;
  readonly mutates: boolean;
  /** Subject to the Origin / Sec-Fetch-Site and content-type checks of route(). Default: mutates. */
  readonly csrf?: boolean;
  readonly expect: { readonly anonymous: number; readonly user: number; readonly admin: number };
  /** Values for the [param] segments (PARAM.* or a literal). */
  readonly params?: Readonly<Record<string, string>>;
  /** The permission an admin route checks (documentation, and the admin test's reference). */
  readonly permission?: string;
  /** The 403 the matrix's callers get is about the account's state (e.g. an unverified address), not a permission. */
  readonly stateRefusal?: boolean;
  /** Needs a recent re-authentication. */
  readonly reauth?: boolean;
}

const all = (status: number) => ({ anonymous: status, user: status, admin: status });
const signedIn = (ok: number) => ({ anonymous: 401, user: ok, admin: ok });
const admin = (ok: number) => ({ anonymous: 401, user: 403, admin: ok });
const target = { id: PARAM.targetUser };

export const ROUTES: readonly RouteEntry[] = [
  // operations and test hooks
  { method: "GET", path: "/api/health", mutates: false, expect: all(200) },
  { method: "POST", path: "/api/health", success: 405, mutates: false, expect: all(405) },
  { method: "GET", path: "/api/cron/sessions", mutates: true, csrf: false, expect: all(401) },
  { method: "GET", path: "/api/cron/daily", mutates: true, csrf: false, expect: all(401) },
  { method: "POST", path: "/api/test/sql", mutates: true, csrf: false, expect: all(400) },
  { method: "GET", path: "/api/test/floor", mutates: false, expect: all(404) },
  { method: "GET", path: "/.well-known/jwks.json", mutates: false, expect: all(200) },
  { method: "GET", path: "/api/openapi.json", mutates: false, expect: all(200) },

  // registration, sign-in, sessions
  { method: "POST", path: "/api/auth/register", success: 201, mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/login", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/login/mfa", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/login/mfa/passkey/options", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/login/mfa/passkey", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/logout", success: 204, mutates: true, expect: all(204) },
  { method: "POST", path: "/api/auth/logout-all", mutates: true, expect: signedIn(200), reauth: true },
  { method: "POST", path: "/api/auth/reauth", mutates: true, expect: all(400) },
  { method: "GET", path: "/api/auth/session", mutates: false, expect: signedIn(200) },
  { method: "GET", path: "/api/auth/sessions", mutates: false, expect: signedIn(200) },
  { method: "DELETE", path: "/api/auth/sessions/[id]", success: 204, mutates: true, expect: signedIn(404), params: { id: PARAM.randomId } },

  // social sign-in (docs/social-sign-in.md); the matrix's provider name is not a configured provider.
  // The callback is the provider's top-level GET redirect: cross-site by nature, it is guarded
  // by the state in the sealed flow cookie, not by Origin, and always answers with a 303 to a page.
  {
    method: "GET",
    path: "/api/auth/social/[provider]/start",
    success: 303,
    mutates: false,
    expect: all(404),
    params: { provider: PARAM.randomId },
  },
  {
    method: "GET",
    path: "/api/auth/social/[provider]/callback",
    success: 303,
    mutates: false,
    expect: all(303),
    params: { provider: PARAM.randomId },
  },
  {
    method: "POST",
    path: "/api/auth/social/[provider]/link",
    mutates: true,
    expect: signedIn(404),
    reauth: true,
    params: { provider: PARAM.randomId },
  },
  { method: "GET", path: "/api/auth/social/accounts", mutates: false, expect: signedIn(200) },
  {
    method: "DELETE",
    path: "/api/auth/social/accounts/[id]",
    mutates: true,
    expect: signedIn(404),
    reauth: true,
    params: { id: PARAM.randomId },
  },

  // the account pages' own routes
  { method: "GET", path: "/api/auth/activity", mutates: false, expect: signedIn(200) },
  { method: "GET", path: "/api/auth/sessions/[id]/activity", mutates: false, expect: signedIn(404), params: { id: PARAM.randomId } },
  { method: "POST", path: "/api/auth/profile", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/account/delete", mutates: true, expect: all(400), reauth: true },

  // access and refresh tokens
  { method: "POST", path: "/api/auth/token", mutates: true, expect: signedIn(200) },
  { method: "POST", path: "/api/auth/token/refresh", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/token/revoke", mutates: true, expect: all(400) },

  // passwords and email
  { method: "POST", path: "/api/auth/password/forgot", success: 202, mutates: true, expect: all(400) },
  // email sign-in codes (EMAIL_SIGN_IN_CODES is on in the test server)
  { method: "POST", path: "/api/auth/email-code/request", success: 202, mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/email-code/verify", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/password/reset", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/password/change", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/email/verify", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/email/verify/resend", success: 202, mutates: true, expect: { anonymous: 400, user: 202, admin: 202 } },
  { method: "POST", path: "/api/auth/email/change", success: 202, mutates: true, expect: all(400), reauth: true },

  // second factor and trusted devices
  // the matrix's accounts never verified their address: enrolment needs it (email_not_verified)
  // the matrix's accounts are unverified: TOTP enrolment needs a verified address (403 email_not_verified)
  { method: "POST", path: "/api/auth/mfa/totp/setup", mutates: true, expect: signedIn(403), reauth: true, stateRefusal: true },
  { method: "POST", path: "/api/auth/mfa/totp/confirm", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/auth/mfa/totp/disable", mutates: true, expect: signedIn(409), reauth: true },
  { method: "POST", path: "/api/auth/mfa/backup-codes", mutates: true, expect: signedIn(409), reauth: true },
  { method: "GET", path: "/api/auth/devices", mutates: false, expect: signedIn(200) },
  { method: "DELETE", path: "/api/auth/devices/[id]", success: 204, mutates: true, expect: signedIn(404), params: { id: PARAM.randomId } },

  // passkeys
  { method: "POST", path: "/api/auth/passkeys/sign-in/options", mutates: true, expect: all(200) },
  { method: "POST", path: "/api/auth/passkeys/sign-in", mutates: true, expect: all(400) },
  { method: "GET", path: "/api/auth/passkeys", mutates: false, expect: signedIn(200) },
  { method: "POST", path: "/api/auth/reauth/passkey/options", mutates: true, expect: signedIn(409) },
  { method: "POST", path: "/api/auth/reauth/passkey", mutates: true, expect: all(400) },
  {
    method: "POST",
    path: "/api/auth/passkeys/registration/options",
    mutates: true,
    expect: signedIn(403),
    reauth: true,
    stateRefusal: true,
  },
  { method: "POST", path: "/api/auth/passkeys/registration", success: 201, mutates: true, expect: all(400), reauth: true },
  { method: "PATCH", path: "/api/auth/passkeys/[id]", success: 204, mutates: true, expect: all(415), params: { id: PARAM.randomId } },
  {
    method: "DELETE",
    path: "/api/auth/passkeys/[id]",
    mutates: true,
    // the user's session is aal1 (403 mfa_required); the admin's is aal2, so the random id is simply not found
    expect: { anonymous: 401, user: 403, admin: 404 },
    reauth: true,
    stateRefusal: true,
    params: { id: PARAM.randomId },
  },

  // administration
  { method: "GET", path: "/api/admin/users", mutates: false, expect: admin(200), permission: "users:read" },
  { method: "GET", path: "/api/admin/users/[id]", mutates: false, expect: admin(200), permission: "users:read", params: target },
  {
    method: "POST",
    path: "/api/admin/users/[id]/disable",
    mutates: true,
    expect: admin(200),
    permission: "users:write",
    reauth: true,
    params: target,
  },
  {
    method: "POST",
    path: "/api/admin/users/[id]/delete",
    mutates: true,
    expect: admin(400),
    permission: "users:write",
    reauth: true,
    params: target,
  },
  {
    method: "POST",
    path: "/api/admin/users/[id]/enable",
    mutates: true,
    expect: admin(409),
    permission: "users:write",
    reauth: true,
    params: target,
  },
  {
    method: "POST",
    path: "/api/admin/users/[id]/unlock",
    mutates: true,
    expect: admin(200),
    permission: "users:write",
    reauth: true,
    params: target,
  },
  {
    method: "POST",
    path: "/api/admin/users/[id]/password-reset",
    success: 202,
    mutates: true,
    expect: admin(202),
    permission: "sessions:revoke",
    reauth: true,
    params: target,
  },
  { method: "GET", path: "/api/admin/users/[id]/sessions", mutates: false, expect: admin(200), permission: "users:read", params: target },
  {
    method: "DELETE",
    path: "/api/admin/users/[id]/sessions",
    mutates: true,
    expect: admin(200),
    permission: "sessions:revoke",
    reauth: true,
    params: target,
  },
  {
    method: "DELETE",
    path: "/api/admin/users/[id]/sessions/[sessionId]",
    success: 204,
    mutates: true,
    expect: admin(404),
    permission: "sessions:revoke",
    reauth: true,
    params: { id: PARAM.targetUser, sessionId: PARAM.randomId },
  },
  {
    method: "POST",
    path: "/api/admin/users/[id]/roles",
    success: 201,
    mutates: true,
    expect: admin(400),
    permission: "roles:assign",
    reauth: true,
    params: target,
  },
  {
    method: "DELETE",
    path: "/api/admin/users/[id]/roles/[role]",
    success: 204,
    mutates: true,
    expect: admin(404),
    permission: "roles:assign",
    reauth: true,
    params: { id: PARAM.targetUser, role: "support" },
  },
  {
    method: "GET",
    path: "/api/admin/users/[id]/sessions/[sessionId]/activity",
    mutates: false,
    expect: admin(404),
    permission: "audit:read",
    params: { id: PARAM.targetUser, sessionId: PARAM.randomId },
  },
  { method: "GET", path: "/api/admin/roles", mutates: false, expect: admin(200), permission: "users:read" },
  { method: "POST", path: "/api/admin/roles", success: 201, mutates: true, expect: admin(400), permission: "roles:assign", reauth: true },
  {
    method: "PATCH",
    path: "/api/admin/roles/[name]",
    mutates: true,
    // the matrix sends no body except for POST: 415 unsupported_media_type once authorised
    expect: admin(415),
    permission: "roles:assign",
    reauth: true,
    params: { name: "no_such_role" },
  },
  {
    method: "DELETE",
    path: "/api/admin/roles/[name]",
    success: 204,
    mutates: true,
    expect: admin(404),
    permission: "roles:assign",
    reauth: true,
    params: { name: "no_such_role" },
  },
  { method: "GET", path: "/api/admin/audit", mutates: false, expect: admin(200), permission: "audit:read" },
  { method: "GET", path: "/api/admin/security/alerts", mutates: false, expect: admin(200), permission: "security:read" },

  // OpenID Connect provider (docs/oidc.md): the OAuth endpoints are called by other sites'
  // servers (form bodies, client authentication, no cookie), so the cookie CSRF check is not theirs
  { method: "GET", path: "/.well-known/openid-configuration", mutates: false, expect: all(200) },
  { method: "GET", path: "/api/oauth/authorize", success: 302, mutates: false, expect: all(302) },
  { method: "POST", path: "/api/oauth/consent", mutates: true, expect: all(400) },
  { method: "POST", path: "/api/oauth/token", mutates: true, csrf: false, expect: all(400) },
  { method: "GET", path: "/api/oauth/userinfo", mutates: false, csrf: false, expect: all(401) },
  { method: "POST", path: "/api/oauth/userinfo", mutates: false, csrf: false, expect: all(401) },
  { method: "POST", path: "/api/oauth/revoke", mutates: true, csrf: false, expect: all(400) },
  { method: "GET", path: "/api/oauth/end-session", success: 302, mutates: false, expect: all(302) },
  { method: "GET", path: "/api/oauth/consents", mutates: false, expect: signedIn(200) },
  { method: "DELETE", path: "/api/oauth/consents/[clientId]", mutates: true, expect: signedIn(404), params: { clientId: PARAM.randomId } },
  { method: "GET", path: "/api/admin/oauth/clients", mutates: false, expect: admin(200), permission: "clients:manage" },
  {
    method: "POST",
    path: "/api/admin/oauth/clients",
    success: 201,
    mutates: true,
    expect: admin(400),
    permission: "clients:manage",
    reauth: true,
  },
  {
    method: "POST",
    path: "/api/admin/oauth/clients/[id]/rotate-secret",
    mutates: true,
    expect: admin(404),
    permission: "clients:manage",
    reauth: true,
    params: { id: PARAM.randomId },
  },
  {
    method: "POST",
    path: "/api/admin/oauth/clients/[id]/disable",
    mutates: true,
    expect: admin(404),
    permission: "clients:manage",
    reauth: true,
    params: { id: PARAM.randomId },
  },
];

export function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}
