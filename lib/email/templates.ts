/**
 * Every message Portcullis sends. Links are built from APP_URL (configuration), never from the
 * request's Host header. No message ever contains a password.
 */
export interface MailMessage {
  readonly to: string;
  readonly template: string;
  readonly subject: string;
  readonly text: string;
}

export function link(appUrl: string, path: string, token?: string): string {
  const url = new URL(path, appUrl);
  if (token) url.hash = `token=${token}`;
  return url.toString();
}

/** "a***@example.com": enough for the owner to recognise, never a full address in a notice or a log line. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf("@");
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

/** A link lifetime in words: "90 minutes", "1 hour", "24 hours" (whole hours when exact). */
export function describeDuration(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes % 60 !== 0) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = minutes / 60;
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

/**
 * Mail text written as indented prose: the lines of a paragraph join with one space, a blank line
 * separates paragraphs ("\n\n"), leading and trailing space goes. Interpolated values are kept as
 * they are (a list joined with "\n" stays a list).
 */
export function prose(strings: TemplateStringsArray, ...values: readonly unknown[]): string {
  const parts = strings.map((part) =>
    part
      .replace(/\n[ \t]*\n[ \t]*/g, "\u0000")
      .replace(/\n[ \t]*/g, " ")
      .replaceAll("\u0000", "\n\n"),
  );
  parts[0] = parts[0]!.trimStart();
  parts[parts.length - 1] = parts[parts.length - 1]!.trimEnd();
  return parts.reduce((text, part, i) => text + String(values[i - 1]) + part);
}

export const templates = {
  welcome: (to: string, verifyUrl: string, validSeconds: number): MailMessage => ({
    to,
    template: "welcome",
    subject: "Confirm your email address",
    text: prose`
      Welcome. Confirm your email address by opening this link (valid for
      ${describeDuration(validSeconds)}):

      ${verifyUrl}

      If you did not sign up, ignore this message.`,
  }),
  signupAttempt: (to: string, resetUrl: string): MailMessage => ({
    to,
    template: "signup_attempt",
    subject: "Someone tried to sign up with your email",
    text: prose`
      Someone tried to create an account with this address, which already has one. If it was you, sign
      in or reset your password:

      ${resetUrl}

      If it was not you, no action is needed.`,
  }),
  accountLocked: (to: string, resetUrl: string): MailMessage => ({
    to,
    template: "account_locked",
    subject: "Sign-in attempts on your account were paused",
    text: prose`
      There were many failed sign-in attempts on your account, so sign-in is paused for a while. You can
      regain access at once by resetting your password:

      ${resetUrl}`,
  }),
  passwordReset: (to: string, resetUrl: string, validMinutes: number): MailMessage => ({
    to,
    template: "password_reset",
    subject: "Reset your password",
    text: prose`
      Someone (hopefully you) asked to reset the password of your account. Choose a new password by
      opening this link (valid for ${validMinutes} minutes, once):

      ${resetUrl}

      If you did not ask, ignore this message: your password stays as it is.`,
  }),
  passwordChanged: (to: string, resetUrl: string): MailMessage => ({
    to,
    template: "password_changed",
    subject: "Your password was changed",
    text: prose`
      The password of your account was just changed, and your other sessions were signed out. If this
      was not you, reset your password now:

      ${resetUrl}`,
  }),
  verifyEmail: (to: string, verifyUrl: string, validHours: number): MailMessage => ({
    to,
    template: "verify_email",
    subject: "Confirm your email address",
    text: prose`
      Confirm your email address by opening this link (valid for ${validHours} hours, once):

      ${verifyUrl}

      If you did not ask for this, ignore this message.`,
  }),
  emailChangeConfirm: (to: string, confirmUrl: string, validHours: number): MailMessage => ({
    to,
    template: "email_change_confirm",
    subject: "Confirm your new email address",
    text: prose`
      Someone asked to move an account to this email address. If it was you, confirm by opening this
      link (valid for ${validHours} hours, once):

      ${confirmUrl}

      Until you do, the account keeps its old address. If it was not you, ignore this message.`,
  }),
  emailChangeRequested: (to: string, maskedNewAddress: string, securityUrl: string): MailMessage => ({
    to,
    template: "email_change_requested",
    subject: "A change of your email address was requested",
    text: prose`
      Someone signed in to your account asked to change its email address to ${maskedNewAddress}.
      Nothing changes unless that address confirms. If this was not you, reset your password now:

      ${securityUrl}`,
  }),
  emailChanged: (to: string, maskedNewAddress: string, securityUrl: string): MailMessage => ({
    to,
    template: "email_changed",
    subject: "Your email address was changed",
    text: prose`
      The email address of your account was changed to ${maskedNewAddress}, and its other sessions were
      signed out. This address will no longer receive messages about the account. If this was not you,
      contact support at once:

      ${securityUrl}`,
  }),
  emailInUse: (to: string, resetUrl: string): MailMessage => ({
    to,
    template: "email_in_use",
    subject: "Someone tried to use your email address",
    text: prose`
      Someone tried to move another account to this email address, which already has an account here.
      Nothing was changed. If you need to regain access to your own account, reset its password:

      ${resetUrl}`,
  }),
  mfaEnabled: (to: string, securityUrl: string): MailMessage => ({
    to,
    template: "mfa_enabled",
    subject: "Two-factor authentication is now on",
    text: prose`
      Two-factor authentication was turned on for your account, and your other sessions were signed out.
      If this was not you, reset your password now and review your account:

      ${securityUrl}`,
  }),
  mfaDisabled: (to: string, securityUrl: string): MailMessage => ({
    to,
    template: "mfa_disabled",
    subject: "Two-factor authentication was turned off",
    text: prose`
      Two-factor authentication was turned off for your account, and your other sessions were signed
      out. If this was not you, reset your password now and turn it back on:

      ${securityUrl}`,
  }),
  backupCodesRegenerated: (to: string, securityUrl: string): MailMessage => ({
    to,
    template: "backup_codes_regenerated",
    subject: "New backup codes were created",
    text: prose`
      A new set of backup codes was created for your account; the old codes no longer work, and your
      other sessions were signed out. If this was not you, reset your password now:

      ${securityUrl}`,
  }),
  mfaLocked: (to: string, securityUrl: string): MailMessage => ({
    to,
    template: "mfa_locked",
    subject: "Failed two-factor attempts on your account",
    text: prose`
      Someone entered your password correctly but then failed the two-factor step several times, so
      two-factor sign-in is paused for a while. If this was not you, your password is known to someone
      else: reset it now:

      ${securityUrl}`,
  }),
  passkeyAdded: (to: string, name: string, securityUrl: string): MailMessage => ({
    to,
    template: "passkey_added",
    subject: "A passkey was added to your account",
    text: prose`
      A passkey named "${name}" was added to your account, and your other sessions were signed out. If
      this was not you, reset your password now and remove the passkey:

      ${securityUrl}`,
  }),
  passkeyRemoved: (to: string, name: string, securityUrl: string): MailMessage => ({
    to,
    template: "passkey_removed",
    subject: "A passkey was removed from your account",
    text: prose`
      The passkey named "${name}" was removed from your account, and your other sessions were signed
      out. If this was not you, reset your password now:

      ${securityUrl}`,
  }),
  emailSignInCode: (to: string, code: string, validMinutes: number, signInUrl: string): MailMessage => ({
    to,
    template: "email_sign_in_code",
    subject: "Your sign-in code",
    text:
      `Your code to sign in is:\n\n${code}\n\nEnter it on the sign-in page (${signInUrl}). ` +
      `It is valid for ${validMinutes} minutes, once. If you did not ask for it, ignore this message: ` +
      "nobody can sign in without the code, and a second factor is still asked for if you set one up.",
  }),
  accountDeleted: (to: string): MailMessage => ({
    to,
    template: "account_deleted",
    subject: "Your account was deleted",
    text: prose`
      Your account and the personal data it held were deleted; every session and device was signed out.
      This address can be used to create a new account. If you did not ask for this, reply to this
      message.`,
  }),
  securityAlerts: (to: string, lines: readonly string[], alertsUrl: string): MailMessage => ({
    to,
    template: "security_alerts",
    subject: `Security alert: ${lines.length} new finding${lines.length === 1 ? "" : "s"}`,
    text: prose`
      Portcullis detected the following in its audit log (you receive this because your role may read
      security alerts):

      ${lines.map((l) => `- ${l}`).join("\n")}

      Details: ${alertsUrl}`,
  }),
};
