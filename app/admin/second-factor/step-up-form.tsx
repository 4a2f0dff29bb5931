"use client";
/**
 * Step-up for the console: the password and a code (POST /api/auth/reauth), or a passkey
 * (POST /api/auth/reauth/passkey), whichever second factor the account has; both leave an aal2
 * session. Then back to the page that asked.
 */
import { useState, type FormEvent } from "react";
import { auth } from "@/lib/client/client";
import { reauthenticateWithPasskey } from "@/app/_components/reauth";
import { Field } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";

export function StepUpForm({ returnTo, totp, passkey }: { returnTo: string; totp: boolean; passkey: boolean }) {
  const [error, setError] = useState<{ field: string | null; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    const result = await auth.reauthenticate({
      password: String(form.get("step-up-password") ?? ""),
      code: String(form.get("step-up-code") ?? "").trim(),
    });
    if (!result.ok) {
      setBusy(false);
      setError({
        field: fieldOf(result.error, { password: "password", code: "code" }) ?? (result.error.code === "mfa_required" ? "code" : null),
        text: describeError(result.error),
      });
      return;
    }
    window.location.assign(returnTo);
  }

  async function withPasskey() {
    setBusy(true);
    setError(null);
    const failure = await reauthenticateWithPasskey();
    if (failure === null) return window.location.assign(returnTo);
    setBusy(false);
    setError({ field: null, text: failure || "No passkey was used. Try again." });
  }

  const alert = error && !error.field && (
    <p className="notice notice-error" role="alert">
      {error.text}
    </p>
  );

  if (!totp) {
    return (
      <section className="card" aria-labelledby="step-up-title">
        <h2 id="step-up-title">Confirm it is you with your passkey</h2>
        <p className="muted">Your role in the administration console needs a second factor for this session.</p>
        {alert}
        <div className="actions">
          <button type="button" onClick={withPasskey} disabled={busy}>
            {busy ? "Confirming…" : "Use a passkey"}
          </button>
        </div>
      </section>
    );
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="step-up-title">
      <h2 id="step-up-title">Confirm it is you with a code</h2>
      <p className="muted">Your role in the administration console needs a second factor for this session: your password and a code.</p>
      {alert}
      <Field
        id="step-up-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        error={error?.field === "password" ? error.text : null}
      />
      <Field
        id="step-up-code"
        label="Authentication code"
        hint="From your authenticator app, or a backup code."
        inputMode="text"
        autoComplete="one-time-code"
        required
        error={error?.field === "code" ? error.text : null}
      />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? "Confirming…" : "Confirm"}
        </button>
        {passkey && (
          <button type="button" className="secondary" onClick={withPasskey} disabled={busy}>
            Use a passkey instead
          </button>
        )}
      </div>
    </form>
  );
}
