/**
 * The typed browser client: one function per API route, for the pages under app/ and for site
 * builders who write their own screens. It knows the routes and the response shapes, nothing
 * else: every rule (password policy, locks, re-authentication, permissions) is decided by the
 * server, and a refusal comes back as { ok: false, error } with the API's own code, message,
 * HTTP status and Retry-After. Requests are same-origin with the session cookie (HttpOnly: the
 * client never sees a token) and a JSON body, which the server's CSRF check expects.
 *
 *   const result = await auth.signIn({ email, password });
 *   if (!result.ok) show(result.error.message);
 *   else if (result.value.status === "mfa_required") askForCode(result.value.challenge);
 *
 * Only `import type` from the rest of lib/: nothing server-side reaches the browser bundle.
 */
import type { ErrorCode } from "../errors";
import type { PublicSession, PublicUser } from "../sessions/views";
import type { PublicDevice } from "../mfa/trusted-devices";
import type { PublicProvider } from "../social/providers";
import type { PublicIdentity } from "../social/views";
import type { AdminUserDetail, UserPage } from "../admin/users";
import type { AuditPage } from "../audit/audit-search";
import type { SecurityAlerts } from "../admin/alerts";
import type { ActivityPage } from "../accounts/activity";
import type { PublicPasskey } from "../mfa/passkeys";
import type { PublicConsent } from "../oauth/consents";
import type { PublicRole } from "../admin/roles";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/browser";

export type { PublicProvider, PublicIdentity };
export type {
  PublicSession,
  PublicUser,
  PublicDevice,
  AdminUserDetail,
  UserPage,
  AuditPage,
  SecurityAlerts,
  ActivityPage,
  PublicConsent,
  PublicPasskey,
};

/** An API error code, or network_error when no answer came back at all. */
export type ClientErrorCode = ErrorCode | "network_error";

export interface ApiError {
  readonly code: ClientErrorCode;
  readonly message: string;
  /** HTTP status; 0 for network_error. */
  readonly status: number;
  /** From the Retry-After header (429, some 503), in seconds. */
  readonly retryAfterSeconds: number | null;
  /** Field issues of a 400 invalid_request, as the server sent them. */
  readonly details?: unknown;
}

export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

/** The same result with its value changed by `f` (an error passes through). */
export function mapResult<T, U>(result: ApiResult<T>, f: (value: T) => U): ApiResult<U> {
  return result.ok ? { ok: true, value: f(result.value) } : result;
}

const NETWORK_ERROR: ApiError = {
  code: "network_error",
  message: "The server could not be reached. Check your connection and try again.",
  status: 0,
  retryAfterSeconds: null,
};

type Method = "GET" | "POST" | "PATCH" | "DELETE";

async function call<T>(method: Method, path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: NETWORK_ERROR };
  }
  const text = await response.text().catch(() => "");
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (response.ok) return { ok: true, value: parsed as T };
  const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const retryAfter = Number(response.headers.get("retry-after"));
  return {
    ok: false,
    error: {
      code: (error?.code ?? "internal_error") as ClientErrorCode,
      message: error?.message ?? "Something went wrong.",
      status: response.status,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
      ...(error?.details === undefined ? {} : { details: error.details }),
    },
  };
}

const seg = encodeURIComponent;

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

// ---- response shapes ----------------------------------------------------------------------

export interface SignedIn {
  readonly status: "signed_in";
  readonly user: PublicUser;
  readonly session: PublicSession;
  readonly deviceTrusted?: boolean;
}

export interface MfaRequired {
  readonly status: "mfa_required";
  /** Pass to completeSecondStep; valid until expiresAt. */
  readonly challenge: string;
  readonly expiresAt: string;
  readonly methods: readonly ("totp" | "backup_code")[];
}

export interface Notice<S extends string> {
  readonly status: S;
  readonly message: string;
}

export interface TotpSetup {
  readonly status: "pending";
  /** The base32 secret, for typing into an app by hand. */
  readonly secret: string;
  readonly uri: string;
  /** An SVG document of the otpauth:// URI. */
  readonly qrCodeSvg: string;
}

export interface BackupCodes {
  readonly backupCodes: readonly string[];
  readonly revokedSessions: number;
  readonly session: PublicSession;
}

export type { PublicRole as Role } from "../admin/roles";

export interface UserSearch {
  readonly q?: string;
  readonly status?: "active" | "disabled";
  readonly role?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface AuditSearch {
  readonly user?: string;
  readonly event?: string;
  readonly ip?: string;
  /** ISO 8601 with offset, inclusive. */
  readonly from?: string;
  /** ISO 8601 with offset, exclusive. */
  readonly to?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

// ---- the API ------------------------------------------------------------------------------

export const auth = {
  /** captchaToken: the CAPTCHA widget's token, when the CAPTCHA is on (docs/security/captcha.md). */
  signUp: (input: { email: string; password: string; name?: string | null; captchaToken?: string }) =>
    call<Notice<"pending_verification">>("POST", "/api/auth/register", input),
  /** captchaToken: needed once the address or IP has failed CAPTCHA_SIGN_IN_AFTER_FAILURES times (captcha_required). */
  signIn: (input: { email: string; password: string; captchaToken?: string }) =>
    call<SignedIn | MfaRequired>("POST", "/api/auth/login", input),
  completeSecondStep: (input: { challenge: string; code: string; trustDevice: boolean }) =>
    call<SignedIn>("POST", "/api/auth/login/mfa", input),
  signOut: () => call<null>("POST", "/api/auth/logout"),
  /** Ends every session; the current one too unless keepCurrent. Needs a recent re-authentication. */
  signOutEverywhere: (input: { keepCurrent: boolean } = { keepCurrent: false }) =>
    call<{ revoked: number; keptCurrent: boolean }>("POST", "/api/auth/logout-all", input),
  /** Opens the re-authentication window: the password, and a code when the account has a second factor. */
  reauthenticate: (input: { password: string; code?: string }) => call<{ reauthenticatedUntil: string }>("POST", "/api/auth/reauth", input),
  session: () => call<{ user: PublicUser; session: PublicSession }>("GET", "/api/auth/session"),
  sessions: () => call<{ sessions: PublicSession[] }>("GET", "/api/auth/sessions"),
  revokeSession: (id: string) => call<null>("DELETE", `/api/auth/sessions/${seg(id)}`),
  devices: () => call<{ devices: PublicDevice[] }>("GET", "/api/auth/devices"),
  revokeDevice: (id: string) => call<null>("DELETE", `/api/auth/devices/${seg(id)}`),
  /** The signed-in user's own recent security events, newest first. */
  activity: (input: { limit?: number; cursor?: string } = {}) => call<ActivityPage>("GET", `/api/auth/activity${query(input)}`),
  /** The security events of one of the user's own sessions (created, refreshed, re-authenticated, revoked), newest first. */
  sessionActivity: (id: string, input: { limit?: number; cursor?: string } = {}) =>
    call<ActivityPage>("GET", `/api/auth/sessions/${seg(id)}/activity${query(input)}`),
  /** Deletes the account for good (needs a recent re-authentication). */
  deleteAccount: () => call<Notice<"deleted">>("POST", "/api/auth/account/delete", { confirm: true }),
  updateProfile: (input: { name: string | null }) => call<{ user: PublicUser }>("POST", "/api/auth/profile", input),
};

export const password = {
  change: (input: { currentPassword: string; newPassword: string }) =>
    call<{ status: "password_changed"; session: PublicSession }>("POST", "/api/auth/password/change", input),
  forgot: (input: { email: string; captchaToken?: string }) => call<Notice<"requested">>("POST", "/api/auth/password/forgot", input),
  reset: (input: { token: string; password: string }) => call<Notice<"password_reset">>("POST", "/api/auth/password/reset", input),
};

/** Email sign-in codes (when the site turns them on; else 404 email_codes_disabled). */
export const emailCode = {
  /** Always the same 202 answer, whether or not a code is mailed. */
  request: (input: { email: string }) => call<Notice<"requested">>("POST", "/api/auth/email-code/request", input),
  /** The same outcomes as auth.signIn: signed in, or mfa_required (then auth.completeSecondStep). */
  verify: (input: { email: string; code: string }) => call<SignedIn | MfaRequired>("POST", "/api/auth/email-code/verify", input),
};

export const email = {
  /** A verification or email-change link's token. */
  confirm: (input: { token: string }) => call<{ status: "email_verified" | "email_changed" }>("POST", "/api/auth/email/verify", input),
  /** Signed in: to the account's address; signed out: to `email`. */
  resendVerification: (input: { email?: string } = {}) => call<Notice<"requested">>("POST", "/api/auth/email/verify/resend", input),
  /** Needs a recent re-authentication. */
  change: (input: { newEmail: string }) => call<Notice<"pending_confirmation">>("POST", "/api/auth/email/change", input),
};

export const mfa = {
  startTotpSetup: () => call<TotpSetup>("POST", "/api/auth/mfa/totp/setup"),
  confirmTotp: (input: { code: string }) => call<BackupCodes & { status: "enabled" }>("POST", "/api/auth/mfa/totp/confirm", input),
  disableTotp: () => call<{ status: "disabled"; revokedSessions: number; session: PublicSession }>("POST", "/api/auth/mfa/totp/disable"),
  regenerateBackupCodes: () => call<BackupCodes>("POST", "/api/auth/mfa/backup-codes"),
};

/**
 * Passkeys (WebAuthn). The options go to @simplewebauthn/browser (startRegistration /
 * startAuthentication) and its result comes back as `response`.
 */
export const passkeys = {
  list: () => call<{ passkeys: PublicPasskey[] }>("GET", "/api/auth/passkeys"),
  /** Needs a recent re-authentication and a verified address. */
  registrationOptions: () => call<{ options: PublicKeyCredentialCreationOptionsJSON }>("POST", "/api/auth/passkeys/registration/options"),
  register: (input: { name: string; response: RegistrationResponseJSON }) =>
    call<{ status: "registered"; passkey: PublicPasskey; revokedSessions: number; session: PublicSession }>(
      "POST",
      "/api/auth/passkeys/registration",
      input,
    ),
  rename: (id: string, input: { name: string }) => call<null>("PATCH", `/api/auth/passkeys/${seg(id)}`, input),
  /** Needs a recent re-authentication and an aal2 session. */
  remove: (id: string) =>
    call<{ status: "removed"; revokedSessions: number; session: PublicSession }>("DELETE", `/api/auth/passkeys/${seg(id)}`),
  /** Re-authentication with one of the caller's passkeys instead of the password (409 no_passkeys without one). */
  reauthOptions: () => call<{ options: PublicKeyCredentialRequestOptionsJSON }>("POST", "/api/auth/reauth/passkey/options"),
  reauthenticate: (input: { response: AuthenticationResponseJSON }) =>
    call<{ reauthenticatedUntil: string }>("POST", "/api/auth/reauth/passkey", input),
  /** Sets the pre-authentication cookie the sign-in's challenge is bound to. */
  signInOptions: () => call<{ options: PublicKeyCredentialRequestOptionsJSON }>("POST", "/api/auth/passkeys/sign-in/options"),
  signIn: (input: { response: AuthenticationResponseJSON }) => call<SignedIn>("POST", "/api/auth/passkeys/sign-in", input),
};

export const admin = {
  users: (search: UserSearch = {}) => call<UserPage>("GET", `/api/admin/users${query({ ...search })}`),
  user: (id: string) => call<{ user: AdminUserDetail }>("GET", `/api/admin/users/${seg(id)}`),
  userSessions: (id: string) => call<{ sessions: PublicSession[] }>("GET", `/api/admin/users/${seg(id)}/sessions`),
  revokeUserSessions: (id: string) => call<{ revoked: number }>("DELETE", `/api/admin/users/${seg(id)}/sessions`),
  revokeUserSession: (id: string, sessionId: string) => call<null>("DELETE", `/api/admin/users/${seg(id)}/sessions/${seg(sessionId)}`),
  disable: (id: string, reason?: string) =>
    call<{ id: string; status: "disabled"; sessionsRevoked: number }>(
      "POST",
      `/api/admin/users/${seg(id)}/disable`,
      reason ? { reason } : {},
    ),
  deleteUser: (id: string) =>
    call<{ id: string; status: "deleted"; sessionsEnded: number }>("POST", `/api/admin/users/${seg(id)}/delete`, { confirm: true }),
  enable: (id: string) => call<{ id: string; status: "active" }>("POST", `/api/admin/users/${seg(id)}/enable`, {}),
  unlock: (id: string) => call<{ id: string }>("POST", `/api/admin/users/${seg(id)}/unlock`, {}),
  sendPasswordReset: (id: string) => call<{ id: string; sent: true }>("POST", `/api/admin/users/${seg(id)}/password-reset`, {}),
  roles: () => call<{ roles: PublicRole[] }>("GET", "/api/admin/roles"),
  /** Role management: needs roles:assign and a recent re-authentication. */
  createRole: (input: { name: string; description?: string; permissions: readonly string[]; requireMfa?: boolean }) =>
    call<{ role: PublicRole }>("POST", "/api/admin/roles", input),
  editRole: (name: string, input: { description?: string; permissions?: readonly string[]; requireMfa?: boolean }) =>
    call<{ role: PublicRole }>("PATCH", `/api/admin/roles/${seg(name)}`, input),
  deleteRole: (name: string) => call<null>("DELETE", `/api/admin/roles/${seg(name)}`),
  /** One session's security events, with who acted (needs audit:read). */
  userSessionActivity: (id: string, sessionId: string, input: { limit?: number; cursor?: string } = {}) =>
    call<AuditPage>("GET", `/api/admin/users/${seg(id)}/sessions/${seg(sessionId)}/activity${query(input)}`),
  assignRole: (id: string, role: string) =>
    call<{ id: string; roles: string[]; changed: boolean }>("POST", `/api/admin/users/${seg(id)}/roles`, { role }),
  removeRole: (id: string, role: string) => call<null>("DELETE", `/api/admin/users/${seg(id)}/roles/${seg(role)}`),
  audit: (search: AuditSearch = {}) => call<AuditPage>("GET", `/api/admin/audit${query({ ...search })}`),
  alerts: () => call<SecurityAlerts>("GET", "/api/admin/security/alerts"),
};

export const oauth = {
  /** The consent page's Allow / Deny: answers where to send the browser next (the client's redirect URI). */
  decideConsent: (input: { query: string; decision: "allow" | "deny" }) =>
    call<{ redirectTo: string }>("POST", "/api/oauth/consent", input),
  /** The sites the signed-in person has allowed to sign them in. */
  consents: () => call<{ consents: PublicConsent[] }>("GET", "/api/oauth/consents"),
  /** Withdraws a consent; the site's refresh tokens for this person stop working at once. */
  revokeConsent: (clientId: string) =>
    call<{ clientId: string; familiesRevoked: number }>("DELETE", `/api/oauth/consents/${seg(clientId)}`),
};

export const social = {
  /** Linked identities, whether the account has a password, and the providers on offer. */
  accounts: () =>
    call<{ providers: PublicProvider[]; accounts: PublicIdentity[]; hasPassword: boolean }>("GET", "/api/auth/social/accounts"),
  /** Starts linking (needs a recent re-authentication): the provider URL to navigate to. */
  startLink: (provider: string) => call<{ url: string }>("POST", `/api/auth/social/${seg(provider)}/link`),
  /** Needs a recent re-authentication; 409 last_sign_in_method when it is the only way left to sign in. */
  unlink: (id: string) => call<{ unlinked: PublicIdentity }>("DELETE", `/api/auth/social/accounts/${seg(id)}`),
};

/** The address of a "Continue with …" link (a full navigation, not a fetch). */
export function socialStartPath(provider: string, returnTo: string): string {
  const q = returnTo === "/" ? "" : `?returnTo=${encodeURIComponent(returnTo)}`;
  return `/api/auth/social/${seg(provider)}/start${q}`;
}
