"use client";
/**
 * With a token in the fragment: POSTs it to /api/auth/email/verify at once (a verification or
 * an email-change link), also when a new link is pasted into the open tab (hashchange).
 * Without one: offers to send a new link.
 */
import { useEffect, useState, type FormEvent } from "react";
import { email } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { useFragmentToken } from "@/app/_components/use-fragment-token";
import { PAGES } from "@/lib/http/pages";

const CONFIRMED: Record<string, string> = {
  email_verified: "Your email address is confirmed.",
  email_changed: "Your account now uses this email address.",
};

export function VerifyEmailForm() {
  const [token] = useFragmentToken();
  const [state, setState] = useState<"loading" | "confirming" | "no_token" | "done">("loading");
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (token === undefined) return;
    if (!token) return setState((s) => (s === "loading" ? "no_token" : s));
    let live = true;
    setState("confirming");
    email.confirm({ token }).then((result) => {
      if (!live) return;
      if (result.ok) {
        setMessage({ text: CONFIRMED[result.value.status] ?? "Confirmed.", tone: "success" });
        setState("done");
      } else {
        setMessage({
          text:
            result.error.code === "network_error" ? "The server could not be reached. Open the link again." : describeError(result.error),
          tone: "error",
        });
        setState("no_token");
      }
    });
    return () => {
      live = false;
    };
  }, [token]);

  async function resend(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    const result = await email.resendVerification({ email: String(new FormData(event.currentTarget).get("email") ?? "") });
    setBusy(false);
    setMessage(result.ok ? { text: result.value.message, tone: "success" } : { text: describeError(result.error), tone: "error" });
  }

  if (state === "loading" || state === "confirming") return <p role="status">Confirming…</p>;
  return (
    <div className="card">
      <LiveMessage message={message} />
      {state === "done" ? (
        <p>
          <a className="button" href={PAGES.account}>
            Continue
          </a>
        </p>
      ) : (
        <form onSubmit={resend} noValidate>
          <p>Need a new link? Enter your email address.</p>
          <Field id="email" label="Email" type="email" autoComplete="username" inputMode="email" maxLength={254} required />
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Sending…" : "Send a new link"}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
