"use client";
/**
 * With a token in the fragment: asks for the new password and POSTs both to
 * /api/auth/password/reset. Without one: asks for the email and POSTs it to
 * /api/auth/password/forgot.
 */
import { useEffect, useState, type FormEvent } from "react";
import { postJson, takeFragmentToken } from "@/app/_lib/fragment-token";

export function ResetPasswordForm() {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => setToken(takeFragmentToken()), []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setMessage(null);
    try {
      if (token) {
        if (form.get("password") !== form.get("confirm")) {
          setMessage("The two passwords differ.");
          return;
        }
        const res = await postJson("/api/auth/password/reset", { token, password: form.get("password") });
        setDone(res.status === 200);
        setMessage(res.body.message ?? res.body.error?.message ?? "Something went wrong.");
      } else {
        const res = await postJson("/api/auth/password/forgot", { email: form.get("email") });
        setDone(res.status === 202);
        setMessage(res.body.message ?? res.body.error?.message ?? "Something went wrong.");
      }
    } finally {
      setBusy(false);
    }
  }

  if (token === undefined) return <p>Loading…</p>;
  return (
    <>
      {message && <p role="status">{message}</p>}
      {done ? (token ? <p><a href="/">Continue to sign in</a></p> : null) : token ? (
        <form onSubmit={submit}>
          <p><label>New password <input name="password" type="password" autoComplete="new-password" minLength={8} maxLength={256} required /></label></p>
          <p><label>Repeat it <input name="confirm" type="password" autoComplete="new-password" required /></label></p>
          <button type="submit" disabled={busy}>Set new password</button>
        </form>
      ) : (
        <form onSubmit={submit}>
          <p>Enter your account&apos;s email address and we will send you a link to choose a new password.</p>
          <p><label>Email <input name="email" type="email" autoComplete="email" maxLength={254} required /></label></p>
          <button type="submit" disabled={busy}>Send reset link</button>
        </form>
      )}
    </>
  );
}
