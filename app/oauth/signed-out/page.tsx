import type { Metadata } from "next";

export const metadata: Metadata = { title: "Signed out · Portcullis", robots: { index: false } };

/** Where RP-initiated logout lands when the site named no post-logout address. */
export default function SignedOutPage() {
  return (
    <main>
      <h1>You are signed out</h1>
      <p>You can close this window.</p>
    </main>
  );
}
