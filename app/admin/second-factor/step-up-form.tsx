"use client";
/** Step-up for the console: the password and a code (POST /api/auth/reauth), then back to the page that asked. */
import { useState, type FormEvent } from "react";
import { auth } from "@/lib/client/client";
import { Field } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";

export function StepUpForm({ returnTo }: { returnTo: string }) {
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

  return (
    <form className="card" onSubmit={submit} aria-labelledby="step-up-title">
      <h2 id="step-up-title">Confirm it is you with a code</h2>
      <p className="muted">Your role in the administration console needs a second factor for this session: your password and a code.</p>
      {error && !error.field && (
        <p className="notice notice-error" role="alert">
          {error.text}
        </p>
      )}
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
      </div>
    </form>
  );
}
