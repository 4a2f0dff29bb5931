"use client";
import { useState, type FormEvent } from "react";
import { password } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";
import { useCaptcha } from "@/app/_components/captcha";
import { PAGES } from "@/lib/http/pages";

/** Asks for the email and POSTs it to /api/auth/password/forgot; the answer never says whether an account exists. */
export function ForgotPasswordForm({ captchaSiteKey = null }: { captchaSiteKey?: string | null }) {
  const captcha = useCaptcha(captchaSiteKey);
  const [message, setMessage] = useState<Message | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    const captchaToken = captcha.token ?? undefined;
    const result = await password.forgot({ email: String(new FormData(event.currentTarget).get("email") ?? ""), captchaToken });
    if (captchaToken) captcha.used();
    setBusy(false);
    if (!result.ok) {
      const text = describeError(result.error);
      setFieldError(fieldOf(result.error, { email: "email" }) ? text : null);
      setMessage({ text, tone: "error" });
      return;
    }
    setFieldError(null);
    setDone(true);
    setMessage({ text: result.value.message, tone: "success" });
  }

  return (
    <div className="card">
      <LiveMessage message={message} />
      {done ? (
        <p>
          Open the link in the email to choose a new password. <a href={PAGES.signIn}>Back to sign in</a>
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>Enter your account&apos;s email address and we will send you a link to choose a new password.</p>
          <Field
            id="email"
            label="Email"
            type="email"
            autoComplete="username"
            inputMode="email"
            maxLength={254}
            required
            error={fieldError}
          />
          {captcha.widget}
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Sending…" : "Send reset link"}
            </button>
            <a href={PAGES.signIn}>Back to sign in</a>
          </div>
        </form>
      )}
    </div>
  );
}
