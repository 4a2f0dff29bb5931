/**
 * Social sign-in providers, from configuration (lib/config.ts chooseSocialProviders): Google,
 * Microsoft (Entra ID) and any OpenID Connect issuer by discovery; GitHub as plain OAuth 2.0
 * (no ID token: the identity comes from its user and emails endpoints). A provider that is not
 * configured does not exist: the routes answer not_found and the pages show no button.
 *
 * Email authority (`trustEmail`): whether a provider's "verified" means the person controls the
 * address. Only then may a new account start with a verified email (issue 14):
 *  - "google": email_verified from Google (its accounts, and Workspace domains it hosts);
 *  - "claim": the generic issuer's email_verified, when the operator trusts it (OIDC_TRUST_EMAIL_VERIFIED);
 *  - "never": Microsoft Entra ID's email claim is set by tenant administrators, unverified
 *    (the "nOAuth" account takeover), so it is never taken as verified.
 * GitHub's verified primary address (from /user/emails) counts: GitHub mails a link to verify it.
 */

export type SocialProviderId = "google" | "microsoft" | "github" | "oidc";

interface ProviderBase {
  readonly id: SocialProviderId;
  /** What the button says after "Continue with". */
  readonly label: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The OpenID Connect issuer, or GitHub's web origin (authorize and token endpoints). */
  readonly issuer: string;
}

export interface OidcProviderConfig extends ProviderBase {
  readonly kind: "oidc";
  readonly trustEmail: "google" | "claim" | "never";
}

export interface GitHubProviderConfig extends ProviderBase {
  readonly kind: "github";
  /** GitHub's REST API origin (https://api.github.com, or GitHub Enterprise's /api/v3). */
  readonly apiUrl: string;
}

export type SocialProviderConfig = OidcProviderConfig | GitHubProviderConfig;

export interface PublicProvider {
  readonly id: SocialProviderId;
  readonly label: string;
}

export function findProvider(providers: readonly SocialProviderConfig[], id: string): SocialProviderConfig | null {
  return providers.find((p) => p.id === id) ?? null;
}

export function publicProviders(providers: readonly SocialProviderConfig[]): PublicProvider[] {
  return providers.map((p) => ({ id: p.id, label: p.label }));
}

/** The callback URL to register with the provider. */
export function callbackUrl(appUrl: string, id: SocialProviderId): string {
  return new URL(`/api/auth/social/${id}/callback`, appUrl).toString();
}
