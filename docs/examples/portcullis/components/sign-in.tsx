"use client";
/** A sign-in form with the second step, on the typed client (same origin as Portcullis's API). */
import { type FormEvent, useState } from "react";
import { auth } from "@/lib/client/client";

export function SignIn() {
  const [challenge, setChallenge] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function signIn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const result = await auth.signIn({ email: String(form.get("email")), password: String(form.get("password")) });
    if (!result.ok) {
      // e.g. invalid_credentials (401), too_many_requests (429, with retryAfterSeconds)
      return setError(result.error.message);
    }
    if (result.value.status === "mfa_required") return setChallenge(result.value.challenge);
    window.location.assign("/account");
  }

  async function secondStep(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!challenge) return;
    const form = new FormData(event.currentTarget);
    const result = await auth.completeSecondStep({ challenge, code: String(form.get("code")), trustDevice: form.get("trust") === "on" });
    if (!result.ok) return setError(result.error.message); // invalid_mfa_code, otp_already_used, ...
    window.location.assign("/account");
  }

  return (
    <>
      {error && <p role="alert">{error}</p>}
      {challenge === null ? (
        <form onSubmit={signIn}>
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required />
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
      ) : (
        <form onSubmit={secondStep}>
          <label htmlFor="code">Code from your authenticator app, or a backup code</label>
          <input id="code" name="code" autoComplete="one-time-code" required />
          <label>
            <input name="trust" type="checkbox" /> Trust this browser
          </label>
          <button type="submit">Continue</button>
        </form>
      )}
    </>
  );
}
