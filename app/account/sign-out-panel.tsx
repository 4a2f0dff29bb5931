"use client";
import { useState } from "react";
import { auth } from "@/lib/client/client";
import { LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";
import { SignOutButton } from "@/app/_components/sign-out-button";
import { PAGES } from "@/lib/http/pages";

export function SignOutPanel({ mfaEnabled }: { mfaEnabled: boolean }) {
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const reauth = useReauth({ mfaEnabled });

  async function everywhere() {
    setBusy(true);
    const result = await reauth.run(() => auth.signOutEverywhere({ keepCurrent: false }));
    setBusy(false);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    window.location.assign(PAGES.signIn);
  }

  return (
    <section className="card" aria-labelledby="signout-title">
      <h2 id="signout-title">Sign out</h2>
      <LiveMessage message={message} />
      <p className="muted">Sign out here, or end every session of this account on every device.</p>
      <div className="actions">
        <SignOutButton className="secondary" />
        <button type="button" className="secondary" disabled={busy} onClick={everywhere}>
          Sign out everywhere
        </button>
      </div>
      {reauth.prompt}
    </section>
  );
}
