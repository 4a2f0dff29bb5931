import type { Metadata } from "next";
import { ResetPasswordForm } from "./reset-password-form";

// Receives reset tokens (in the URL fragment). next.config.ts sends Referrer-Policy: no-referrer
// on every page, so nothing this page loads or links to learns its URL.
export const metadata: Metadata = { title: "Reset your password · Portcullis", referrer: "no-referrer", robots: { index: false } };

export default function ResetPasswordPage() {
  return (
    <main>
      <h1>Reset your password</h1>
      <ResetPasswordForm />
    </main>
  );
}
