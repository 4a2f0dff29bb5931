"use client";
import { useState, type FormEvent } from "react";
import { auth } from "@/lib/client/client";
import { LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";
import { PAGES } from "@/lib/http/pages";

/** Deletes the account after an explicit confirmation and (when the API asks) a re-authentication. */
export function DeleteAccountPanel({ mfaEnabled }: { mfaEnabled: boolean }) {
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const reauth = useReauth({ mfaEnabled });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    const result = await reauth.run(() => auth.deleteAccount());
    setBusy(false);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    window.location.assign(`${PAGES.home}?deleted=1`);
  }

  return (
    <section className="card" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <LiveMessage message={message} />
      <p>
        Deleting signs you out everywhere and removes your name, email address, password, two-step verification and devices. A record of
        security events stays, without your address. You can register again with the same address later.
      </p>
      <form onSubmit={submit}>
        <div className="check">
          <input id="confirmDelete" name="confirmDelete" type="checkbox" required />
          <label htmlFor="confirmDelete">I understand that this cannot be undone</label>
        </div>
        <button type="submit" className="danger" disabled={busy}>
          {busy ? "Deleting…" : "Delete my account"}
        </button>
      </form>
      {reauth.prompt}
    </section>
  );
}
