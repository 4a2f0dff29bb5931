"use client";
/**
 * "Email me a sign-in code" (when the site turns EMAIL_SIGN_IN_CODES on): one question per step,
 * the address, then the code from the mail. The API decides everything: the request always
 * answers the same (whether or not a code went out), and a right code gives what a password
 * gives: signed in, or mfa_required, handed back to the sign-in form's second step.
 */
import { useState, type FormEvent } from "react";
import { emailCode, type ApiError } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";

type Step = { kind: "email" } | { kind: "code"; email: string };

export function EmailCodeSignIn({
  returnTo,
  onSecondStep,
  onCancel,
}: {
  returnTo: string;
  /** The account has a second factor: continue with the challenge in the sign-in form's second step. */
  onSecondStep: (challenge: string) => void;
  onCancel: () => void;
}) {
  const [step, setStep] = useState<Step>({ kind: "email" });
  const [message, setMessage] = useState<Message | null>(null);
  const [fieldError, setFieldError] = useState<{ field: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  function fail(error: ApiError, fields: Record<string, string>, field: string | null = null) {
    const text = describeError(error);
    const at = field ?? fieldOf(error, fields);
    setFieldError(at ? { field: at, text } : null);
    setMessage({ text, tone: "error" });
  }

  async function request(email: string) {
    setBusy(true);
    setMessage(null);
    const result = await emailCode.request({ email });
    setBusy(false);
    if (!result.ok) return fail(result.error, { email: "email" });
    setFieldError(null);
    setStep({ kind: "code", email });
    setMessage({ text: `${result.value.message} Check your inbox.`, tone: "info" });
  }

  async function askForCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await request(String(new FormData(event.currentTarget).get("email") ?? ""));
  }

  async function verify(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (step.kind !== "code") return;
    const code = String(new FormData(event.currentTarget).get("code") ?? "");
    setBusy(true);
    setMessage(null);
    const result = await emailCode.verify({ email: step.email, code });
    setBusy(false);
    if (!result.ok) return fail(result.error, { code: "code" }, result.error.code === "invalid_sign_in_code" ? "code" : null);
    setFieldError(null);
    if (result.value.status === "mfa_required") return onSecondStep(result.value.challenge);
    setMessage({ text: "Signed in.", tone: "success" });
    window.location.assign(returnTo);
  }

  const error = (field: string) => (fieldError?.field === field ? fieldError.text : null);

  if (step.kind === "code") {
    return (
      <div className="card">
        <LiveMessage message={message} />
        <form onSubmit={verify} noValidate>
          <h2>Enter your sign-in code</h2>
          <Field
            key="code"
            id="code"
            label="Sign-in code"
            hint={`The 8-digit code from the email to ${step.email}. It works once, for 10 minutes.`}
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 -]*"
            maxLength={12}
            required
            autoFocus
            error={error("code")}
          />
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Checking…" : "Sign in"}
            </button>
            <button type="button" className="link" disabled={busy} onClick={() => request(step.email)}>
              Send a new code
            </button>
            <button type="button" className="link" onClick={onCancel}>
              Sign in another way
            </button>
          </div>
        </form>
      </div>
    );
  }

  return (
    <div className="card">
      <LiveMessage message={message} />
      <form onSubmit={askForCode} noValidate>
        <h2>Sign in with a code</h2>
        <Field
          key="email"
          id="email"
          label="Email address"
          hint="We will email you a code to sign in with, if an account with a confirmed address uses it."
          type="email"
          autoComplete="username"
          inputMode="email"
          maxLength={254}
          required
          autoFocus
          error={error("email")}
        />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Sending…" : "Email me a code"}
          </button>
          <button type="button" className="link" onClick={onCancel}>
            Sign in with a password
          </button>
        </div>
      </form>
    </div>
  );
}
