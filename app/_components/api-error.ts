/**
 * What the pages say about a refusal from the API: the API's own message (lib/errors.ts), and
 * the wait from Retry-After when there is one. Which field an error belongs to is a question
 * of layout only; whether something is an error is always the API's answer.
 */
import type { ApiError } from "@/lib/client/client";

function waitText(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} hours`;
}

export function describeError(error: ApiError): string {
  if (error.retryAfterSeconds !== null && (error.status === 429 || error.status === 503)) {
    return `${error.message} Try again in ${waitText(error.retryAfterSeconds)}.`;
  }
  return error.message;
}

/** The field of a form that an API error is about, if any. */
export function fieldOf(error: ApiError, fields: Readonly<Record<string, string>>): string | null {
  if (error.code.startsWith("password_") && fields.password) return fields.password;
  if (error.code === "invalid_credentials" && fields.password) return fields.password;
  if (
    (error.code === "invalid_mfa_code" ||
      error.code === "otp_already_used" ||
      error.code === "code_already_used" ||
      error.code === "invalid_setup_code") &&
    fields.code
  )
    return fields.code;
  if (error.code === "email_unchanged" && fields.email) return fields.email;
  const issues = Array.isArray(error.details) ? (error.details as { path?: string }[]) : [];
  for (const issue of issues) if (issue.path && fields[issue.path]) return fields[issue.path]!;
  return null;
}
