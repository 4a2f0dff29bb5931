"use client";
import { useState, type FormEvent } from "react";
import { email as emailApi } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";

/** The address and its verification state, "resend", and a change of address (confirmed from the new address's link). */
export function EmailPanel({ email, verified, mfaEnabled }: { email: string; verified: boolean; mfaEnabled: boolean }) {
  const [message, setMessage] = useState<Message | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reauth = useReauth({ mfaEnabled });

  async function resend() {
    setBusy(true);
    const result = await emailApi.resendVerification();
    setBusy(false);
    setMessage(result.ok ? { text: result.value.message, tone: "success" } : { text: describeError(result.error), tone: "error" });
  }

  async function change(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const newEmail = String(new FormData(event.currentTarget).get("newEmail") ?? "");
    setBusy(true);
    setMessage(null);
    const result = await reauth.run(() => emailApi.change({ newEmail }));
    setBusy(false);
    if (!result.ok) {
      const text = describeError(result.error);
      setFieldError(fieldOf(result.error, { email: "newEmail", newEmail: "newEmail" }) ? text : null);
      setMessage({ text, tone: "error" });
      return;
    }
    setFieldError(null);
    setMessage({ text: result.value.message, tone: "success" });
  }

  return (
    <section className="card" aria-labelledby="email-title">
      <h2 id="email-title">Email address</h2>
      <LiveMessage message={message} />
      <p>
        <strong>{email}</strong>{" "}
        {verified ? <span className="badge badge-ok">Verified</span> : <span className="badge badge-warn">Not verified</span>}
      </p>
      {!verified && (
        <p>
          <button type="button" className="secondary" disabled={busy} onClick={resend}>
            Resend the confirmation link
          </button>
        </p>
      )}
      <h3>Change email address</h3>
      <form onSubmit={change} className="inline-form" noValidate>
        <Field
          id="newEmail"
          label="New email address"
          type="email"
          autoComplete="email"
          inputMode="email"
          maxLength={254}
          required
          error={fieldError}
        />
        <button type="submit" disabled={busy}>
          Change email
        </button>
      </form>
      {reauth.prompt}
    </section>
  );
}
