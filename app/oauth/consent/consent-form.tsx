"use client";
/** Allow / Deny: posts the decision to /api/oauth/consent, then follows where the API sends the browser. */
import { useState } from "react";
import { oauth } from "@/lib/client/client";
import styles from "./consent.module.css";

export function ConsentForm({ query, clientName }: { query: string; clientName: string }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  async function decide(decision: "allow" | "deny") {
    setBusy(true);
    setMessage(null);
    const result = await oauth.decideConsent({ query, decision });
    if (result.ok) {
      window.location.assign(result.value.redirectTo);
      return;
    }
    setMessage(result.error.message);
    setBusy(false);
  }

  return (
    <div className={styles.actions}>
      <button type="button" onClick={() => decide("allow")} disabled={busy}>
        {busy ? "Please wait…" : `Allow ${clientName}`}
      </button>
      <button type="button" className={styles.secondary} onClick={() => decide("deny")} disabled={busy}>
        Deny
      </button>
      <p role="status" aria-live="polite">
        {message}
      </p>
    </div>
  );
}
