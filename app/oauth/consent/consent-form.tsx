"use client";
/** Allow / Deny: posts the decision to /api/oauth/consent, then follows where the API sends the browser. */
import { useState } from "react";
import { postJson } from "@/app/_lib/fragment-token";
import styles from "./consent.module.css";

export function ConsentForm({ query, clientName }: { query: string; clientName: string }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  async function decide(decision: "allow" | "deny") {
    setBusy(true);
    setMessage(null);
    try {
      const res = await postJson("/api/oauth/consent", { query, decision });
      const next = (res.body as { redirectTo?: unknown }).redirectTo;
      if (res.status === 200 && typeof next === "string") {
        window.location.assign(next);
        return;
      }
      setMessage(res.body.error?.message ?? "Something went wrong.");
    } catch {
      setMessage("The server could not be reached. Try again.");
    }
    setBusy(false);
  }

  return (
    <div className={styles.actions}>
      <button type="button" onClick={() => decide("allow")} disabled={busy}>{busy ? "Please wait…" : `Allow ${clientName}`}</button>
      <button type="button" className={styles.secondary} onClick={() => decide("deny")} disabled={busy}>Deny</button>
      <p role="status" aria-live="polite">{message}</p>
    </div>
  );
}
