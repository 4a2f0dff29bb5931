"use client";
/**
 * With a token in the fragment: asks for the new password and POSTs both to
 * /api/auth/password/reset. Without one: the forgot-password form. A new link pasted into the
 * open tab is picked up at once (hashchange).
 */
import { useState, type FormEvent } from "react";
import { password } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";
import { useFragmentToken } from "@/app/_components/use-fragment-token";
import { ForgotPasswordForm } from "@/app/forgot-password/forgot-password-form";
import { PAGES } from "@/lib/http/pages";

export function ResetPasswordForm({ minLength }: { minLength: number }) {
  const [token, setToken] = useFragmentToken();
  const [message, setMessage] = useState<Message | null>(null);
  const [fieldError, setFieldError] = useState<{ field: string; text: string } | null>(null);
  const [doneFor, setDoneFor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!token) return;
    const form = new FormData(event.currentTarget);
    if (form.get("password") !== form.get("confirm")) {
      setFieldError({ field: "confirm", text: "The two passwords differ." });
      setMessage({ text: "The two passwords differ.", tone: "error" });
      return;
    }
    setBusy(true);
    setMessage(null);
    const result = await password.reset({ token, password: String(form.get("password") ?? "") });
    setBusy(false);
    if (!result.ok) {
      const text = describeError(result.error);
      const field = fieldOf(result.error, { password: "password" });
      setFieldError(field ? { field, text } : null);
      setMessage({ text, tone: "error" });
      if (result.error.code === "invalid_token") setToken(null);
      return;
    }
    setFieldError(null);
    setDoneFor(token);
    setMessage({ text: result.value.message, tone: "success" });
  }

  if (token === undefined) return <p>Loading…</p>;
  if (!token) {
    return (
      <>
        {message && <LiveMessage message={message} />}
        <ForgotPasswordForm />
      </>
    );
  }
  const error = (field: string) => (fieldError?.field === field ? fieldError.text : null);
  return (
    <div className="card">
      <LiveMessage message={message} />
      {doneFor === token ? (
        <p>
          <a className="button" href={PAGES.signIn}>
            Continue to sign in
          </a>
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field
            id="password"
            label="New password"
            type="password"
            autoComplete="new-password"
            hint={`At least ${minLength} characters; common and breached passwords are refused.`}
            maxLength={4096}
            required
            error={error("password")}
          />
          <Field id="confirm" label="Repeat it" type="password" autoComplete="new-password" required error={error("confirm")} />
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Saving…" : "Set new password"}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
