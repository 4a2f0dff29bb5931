"use client";
import { useState, type FormEvent } from "react";
import { password } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";

/** Current and new password; the API applies the policy and ends every other session. */
export function PasswordForm() {
  const [message, setMessage] = useState<Message | null>(null);
  const [fieldError, setFieldError] = useState<{ field: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setBusy(true);
    setMessage(null);
    const result = await password.change({
      currentPassword: String(form.get("currentPassword") ?? ""),
      newPassword: String(form.get("newPassword") ?? ""),
    });
    setBusy(false);
    if (!result.ok) {
      const text = describeError(result.error);
      // invalid_credentials is about the current password; the policy codes about the new one.
      const field =
        result.error.code === "invalid_credentials"
          ? "currentPassword"
          : fieldOf(result.error, { password: "newPassword", currentPassword: "currentPassword", newPassword: "newPassword" });
      setFieldError(field ? { field, text } : null);
      setMessage({ text, tone: "error" });
      return;
    }
    formElement.reset();
    setFieldError(null);
    setMessage({ text: "Your password was changed. Your other sessions were signed out.", tone: "success" });
  }

  const error = (field: string) => (fieldError?.field === field ? fieldError.text : null);
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <LiveMessage message={message} />
      <form onSubmit={submit} noValidate>
        <Field
          id="currentPassword"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          error={error("currentPassword")}
        />
        <Field
          id="newPassword"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="Any characters, spaces too; common and breached passwords are refused."
          required
          error={error("newPassword")}
        />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </section>
  );
}
