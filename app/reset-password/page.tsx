import type { Metadata } from "next";
import { connection } from "next/server";
import { config } from "@/lib/config";
import { ResetPasswordForm } from "./reset-password-form";

// Receives reset tokens (in the URL fragment). next.config.ts sends Referrer-Policy: no-referrer
// on every page, so nothing this page loads or links to learns its URL.
export const metadata: Metadata = { title: "Reset your password · Portcullis", referrer: "no-referrer", robots: { index: false } };

export default async function ResetPasswordPage() {
  // Rendered per request, so that Next.js puts the CSP nonce from proxy.ts on its scripts.
  await connection();
  return (
    <main id="main" className="narrow">
      <h1>Reset your password</h1>
      <ResetPasswordForm minLength={config().PASSWORD_MIN_LENGTH} />
    </main>
  );
}
