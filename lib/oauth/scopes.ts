/**
 * Scopes and authentication context values of the OpenID Connect provider.
 * openid: an ID token (required); profile: name; email: email, email_verified;
 * offline_access: a refresh token (none without it).
 */
export const SUPPORTED_SCOPES = ["openid", "profile", "email", "offline_access"] as const;
export type Scope = (typeof SUPPORTED_SCOPES)[number];

/** acr values: aal1 (a password, or a trusted device), aal2 (a verified second factor). */
export const ACR_AAL1 = "aal1";
export const ACR_AAL2 = "aal2";
export const SUPPORTED_ACR_VALUES = [ACR_AAL1, ACR_AAL2] as const;

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The scopes of a request, deduplicated, in a stable order. Unknown scopes are dropped (RFC 6749
 * §3.3 lets the server ignore them); null when the value is malformed or lacks openid.
 */
export function parseScopes(value: string | null): Scope[] | null {
  if (value === null) return null;
  const requested = value.split(" ").filter(Boolean);
  if (requested.some((s) => !SCOPE_TOKEN.test(s))) return null;
  const granted = SUPPORTED_SCOPES.filter((s) => requested.includes(s));
  return granted.includes("openid") ? granted : null;
}

export function includesAll(granted: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((s) => granted.includes(s));
}
