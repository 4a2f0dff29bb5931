/**
 * Error codes are API contract: add, never rename. Each code maps to one HTTP status and one
 * human message that never depends on whether an account exists.
 */

export const errorCatalogue = {
  // request shape
  invalid_request: [400, "The request body is not valid."],
  invalid_json: [400, "The request body is not valid JSON."],
  unsupported_media_type: [415, "Send the request body as application/json."],
  method_not_allowed: [405, "This method is not allowed on this route."],
  not_found: [404, "Not found."],
  invalid_path: [400, "The request path is not valid."],
  payload_too_large: [413, "The request body is too large."],
  // CSRF and origin
  cross_site_request: [403, "Cross-site requests are not allowed on this route."],
  // authentication
  invalid_credentials: [401, "The email or password is incorrect."],
  unauthenticated: [401, "Sign in to continue."],
  session_expired: [401, "Your session has ended. Sign in again."],
  reauth_required: [403, "Confirm your password to continue."],
  mfa_required: [403, "Complete the second sign-in step to continue."],
  too_many_requests: [429, "Too many attempts. Try again later."],
  sign_in_locked: [429, "Too many failed attempts. Reset your password, or sign in from a browser you used before."],
  // passwords
  password_too_short: [400, "The password is too short."],
  password_too_long: [400, "The password is too long."],
  password_common: [400, "This password is too common. Choose another."],
  password_breached: [400, "This password has appeared in a data breach. Choose another."],
  password_contains_context: [400, "The password must not contain your email or the product name."],
  password_reused: [400, "Choose a password you have not used recently."],
  breach_check_unavailable: [503, "The password could not be checked right now. Try again shortly."],
  // CAPTCHA (lib/captcha/)
  captcha_required: [400, "Complete the security check to continue."],
  captcha_failed: [403, "The security check did not pass. Complete it again."],
  captcha_unavailable: [503, "The security check is not available right now. Try again shortly."],
  // one-time tokens
  invalid_token: [400, "This link or code is invalid or has expired."],
  // email change
  email_unchanged: [400, "This is already your email address."],
  // refresh tokens
  invalid_refresh_token: [401, "The refresh token is invalid or has expired."],
  refresh_token_reused: [401, "The refresh token was already used; the session has been ended."],
  // MFA
  invalid_mfa_code: [401, "The code is incorrect."],
  otp_already_used: [401, "This code was already used. Wait for the next one."],
  code_already_used: [401, "This backup code was already used."],
  invalid_challenge: [401, "The sign-in attempt has expired. Sign in again."],
  mfa_already_enabled: [409, "Two-factor authentication is already on."],
  mfa_not_enabled: [409, "Two-factor authentication is not on."],
  mfa_setup_not_started: [409, "Start the two-factor setup first."],
  invalid_setup_code: [400, "The code does not match the new authenticator. Check the code and the time on your device."],
  mfa_locked: [429, "Too many incorrect codes. Try again later."],
  email_not_verified: [403, "Verify your email address first."],
  // passkeys
  invalid_passkey: [401, "This passkey could not be verified. Try again, or sign in another way."],
  passkey_already_registered: [409, "This passkey is already registered."],
  no_passkeys: [409, "This account has no passkey."],
  // email sign-in codes
  email_codes_disabled: [404, "Signing in with an emailed code is not available here."],
  invalid_sign_in_code: [401, "The code is incorrect or has expired. Ask for a new code."],
  // authorization and admin
  forbidden: [403, "You do not have permission to do this."],
  mfa_enrolment_required: [403, "Your role needs two-factor authentication. Set it up on your account's security page to continue."],
  passkey_required: [403, "This account confirms a sign-in with its passkey: use the passkey to confirm it is you."],
  step_up_required: [403, "Your role needs a second factor for this session. Confirm it is you with your password and a code."],
  role_in_use: [409, "The role is still held by some accounts. Remove it from them first."],
  conflict: [409, "The request conflicts with the current state."],
  invalid_cursor: [400, "The pagination cursor is not valid."],
  cannot_target_self: [409, "You cannot do this to your own account."],
  last_admin: [409, "The last active administrator cannot lose this role."],
  already_disabled: [409, "The account is already disabled."],
  not_disabled: [409, "The account is not disabled."],
  // social sign-in (shown on /sign-in or /account/security after the provider's redirect)
  social_sign_in_failed: [400, "Signing in with this provider did not work. Try again."],
  social_access_denied: [400, "Signing in with the provider was cancelled."],
  social_flow_expired: [400, "This sign-in attempt expired or was started in another browser. Start again."],
  social_email_unverified: [
    403,
    "The provider did not confirm your email address, so no account was created. Create an account with a " +
      "password, then link this provider.",
  ],
  social_account_exists: [
    409,
    "An account already uses this email address. Sign in to it, then link this provider from Security settings.",
  ],
  social_sign_up_closed: [403, "No account is linked to this sign-in, and new accounts cannot be created this way."],
  social_identity_in_use: [409, "This sign-in is already linked to another account."],
  social_already_linked: [409, "An account of this provider is already linked to yours. Unlink it first."],
  last_sign_in_method: [409, "This is your last way to sign in. Set a password or link another provider first."],
  // operations
  cron_unauthorized: [401, "A valid cron secret is required."],
  cron_not_configured: [503, "CRON_SECRET is not configured."],
  database_unavailable: [503, "The service is temporarily unavailable."],
  service_busy: [503, "The service is busy. Try again shortly."],
  internal_error: [500, "Something went wrong."],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof errorCatalogue;

export function statusOf(code: ErrorCode): number {
  return errorCatalogue[code][0];
}

export function messageOf(code: ErrorCode): string {
  return errorCatalogue[code][1];
}

export type Result<T, E extends ErrorCode = ErrorCode> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E; readonly retryAfterSeconds?: number };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function err<E extends ErrorCode>(error: E, retryAfterSeconds?: number): Result<never, E> {
  return retryAfterSeconds === undefined ? { ok: false, error } : { ok: false, error, retryAfterSeconds };
}
