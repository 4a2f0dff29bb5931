import type { Metadata } from "next";
import { connection } from "next/server";
import { VerifyEmailForm } from "./verify-email-form";

// Receives verification and email-change tokens (in the URL fragment). next.config.ts sends
// Referrer-Policy: no-referrer on every page, so nothing this page loads learns its URL.
export const metadata: Metadata = { title: "Confirm your email · Portcullis", referrer: "no-referrer", robots: { index: false } };

export default async function VerifyEmailPage() {
  // Rendered per request, so that Next.js puts the CSP nonce from proxy.ts on its scripts.
  await connection();
  return (
    <main id="main" className="narrow">
      <h1>Confirm your email address</h1>
      <VerifyEmailForm />
    </main>
  );
}
