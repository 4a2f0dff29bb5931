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

export const templates = {
  welcome: (to: string, verifyUrl: string): MailMessage => ({
    to, template: "welcome", subject: "Confirm your email address",
    text: `Welcome. Confirm your email address by opening this link (valid for 24 hours):\n\n${verifyUrl}\n\nIf you did not sign up, ignore this message.`,
  }),
  signupAttempt: (to: string, resetUrl: string): MailMessage => ({
    to, template: "signup_attempt", subject: "Someone tried to sign up with your email",
    text: `Someone tried to create an account with this address, which already has one. If it was you, sign in or reset your password:\n\n${resetUrl}\n\nIf it was not you, no action is needed.`,
  }),
  accountLocked: (to: string, resetUrl: string): MailMessage => ({
    to, template: "account_locked", subject: "Sign-in attempts on your account were paused",
    text: `There were many failed sign-in attempts on your account, so sign-in is paused for a while. You can regain access at once by resetting your password:\n\n${resetUrl}`,
  }),
};
