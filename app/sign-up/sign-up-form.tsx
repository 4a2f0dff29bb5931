"use client";
/**
 * Email, password and name. The password rules are shown before submitting (the lengths come
 * from the server's configuration); the API alone decides, and its refusal is shown on the
 * field. Success always reads "check your email": the API answers the same whether or not the
 * address already had an account.
 */
import { useState, type FormEvent } from "react";
import { auth } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";
import { useCaptcha } from "@/app/_components/captcha";
import { PAGES } from "@/lib/http/pages";

export function SignUpForm({
  minLength,
  maxLength,
  captchaSiteKey = null,
}: {
  minLength: number;
  maxLength: number;
  captchaSiteKey?: string | null;
}) {
  const captcha = useCaptcha(captchaSiteKey);
  const [message, setMessage] = useState<Message | null>(null);
  const [fieldError, setFieldError] = useState<{ field: string; text: string } | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const name = String(form.get("name") ?? "").trim();
    setBusy(true);
    setMessage(null);
    const captchaToken = captcha.token ?? undefined;
    const result = await auth.signUp({ email, password: String(form.get("password") ?? ""), name: name || null, captchaToken });
    if (captchaToken) captcha.used();
    setBusy(false);
    if (!result.ok) {
      const text = describeError(result.error);
      const field = fieldOf(result.error, { email: "email", password: "password", name: "name" });
      setFieldError(field ? { field, text } : null);
      setMessage({ text, tone: "error" });
      return;
    }
    setFieldError(null);
    setMessage({ text: result.value.message, tone: "success" });
    setSentTo(email);
  }

  if (sentTo) {
    return (
      <div className="card">
        <LiveMessage message={message} />
        <h2>Check your email</h2>
        <p>
          We sent a link to <strong>{sentTo}</strong>. Open it to confirm your address, then <a href={PAGES.signIn}>sign in</a>.
        </p>
        <p className="small muted">
          Nothing arrived? Check your spam folder, or <a href={PAGES.verifyEmail}>ask for a new link</a>.
        </p>
      </div>
    );
  }

  const error = (field: string) => (fieldError?.field === field ? fieldError.text : null);
  return (
    <div className="card">
      <LiveMessage message={message} />
      <form onSubmit={submit} noValidate>
        <Field id="name" label="Name (optional)" type="text" autoComplete="name" maxLength={200} error={error("name")} />
        <Field
          id="email"
          label="Email address"
          type="email"
          autoComplete="username"
          inputMode="email"
          maxLength={254}
          required
          error={error("email")}
        />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={
            `At least ${minLength} characters (up to ${maxLength}). Any characters, spaces too: a few unrelated words make a ` +
            "good one. Common passwords, ones found in known data breaches and ones containing your email are refused."
          }
          required
          error={error("password")}
        />
        {captcha.widget}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Creating account…" : "Create account"}
          </button>
        </div>
      </form>
      <p className="small muted">
        Already have an account? <a href={PAGES.signIn}>Sign in</a>.
      </p>
    </div>
  );
}
