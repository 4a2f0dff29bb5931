"use client";
/**
 * With a token in the fragment: POSTs it to /api/auth/email/verify at once (a verification or
 * an email-change link). Without one: offers to send a new link through
 * /api/auth/email/verify/resend.
 */
import { useEffect, useState, type FormEvent } from "react";
import { postJson, takeFragmentToken } from "@/app/_lib/fragment-token";

const CONFIRMED: Record<string, string> = {
  email_verified: "Your email address is confirmed.",
  email_changed: "Your account now uses this email address.",
};

export function VerifyEmailForm() {
  const [state, setState] = useState<"loading" | "confirming" | "no_token" | "done">("loading");
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    const token = takeFragmentToken();
    if (!token) return setState("no_token");
    setState("confirming");
    postJson("/api/auth/email/verify", { token }).then(
      (res) => {
        setMessage(res.status === 200 ? CONFIRMED[res.body.status ?? ""] ?? "Confirmed." : res.body.error?.message ?? "Something went wrong.");
        setState(res.status === 200 ? "done" : "no_token");
      },
      () => {
        setMessage("The server could not be reached. Open the link again.");
        setState("no_token");
      },
    );
  }, []);

  async function resend(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const res = await postJson("/api/auth/email/verify/resend", { email: new FormData(event.currentTarget).get("email") });
    setMessage(res.body.message ?? res.body.error?.message ?? "Something went wrong.");
  }

  if (state === "loading" || state === "confirming") return <p>Confirming…</p>;
  return (
    <>
      {message && <p role="status">{message}</p>}
      {state === "done" ? <p><a href="/">Continue</a></p> : (
        <form onSubmit={resend}>
          <p>Need a new link? Enter your email address.</p>
          <p><label>Email <input name="email" type="email" autoComplete="email" maxLength={254} required /></label></p>
          <button type="submit">Send a new link</button>
        </form>
      )}
    </>
  );
}
