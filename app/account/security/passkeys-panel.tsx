"use client";
/**
 * Passkeys: the list (name, added, last used, synced or on this device only), add one (after a
 * re-authentication when the API asks for it), rename, remove. Removing needs an aal2 session
 * (signed in with a passkey or a second factor); the API says so when it is not.
 */
import { useEffect, useState, type FormEvent } from "react";
import { browserSupportsWebAuthn, startRegistration } from "@simplewebauthn/browser";
import { passkeys, type PublicPasskey } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { Field, LiveMessage } from "@/app/_components/field";
import { useLoaded } from "@/app/_components/use-loaded";
import { describeError } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";

export function PasskeysPanel({ mfaEnabled }: { mfaEnabled: boolean }) {
  const {
    data: list,
    message,
    setMessage,
    reload,
    act,
  } = useLoaded(
    () => passkeys.list(),
    (v) => v.passkeys,
  );
  const [busy, setBusy] = useState(false);
  const [supported, setSupported] = useState(true);
  const [renaming, setRenaming] = useState<string | null>(null);
  const reauth = useReauth({ mfaEnabled, passkeys: (list?.length ?? 0) > 0 });

  useEffect(() => setSupported(browserSupportsWebAuthn()), []);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("passkeyName") ?? "").trim() || "Passkey";
    setBusy(true);
    setMessage(null);
    const options = await reauth.run(() => passkeys.registrationOptions());
    if (!options.ok) {
      setBusy(false);
      return setMessage({ text: describeError(options.error), tone: "error" });
    }
    let response: Awaited<ReturnType<typeof startRegistration>>;
    try {
      response = await startRegistration({ optionsJSON: options.value.options });
    } catch {
      setBusy(false);
      return setMessage({ text: "No passkey was created. Try again when your device asks.", tone: "error" });
    }
    const result = await passkeys.register({ name, response });
    setBusy(false);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    form.reset();
    setMessage({ text: `Passkey "${result.value.passkey.name}" added. Your other sessions were signed out.`, tone: "success" });
    await reload();
  }

  async function rename(event: FormEvent<HTMLFormElement>, passkey: PublicPasskey) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get(`name-${passkey.id}`) ?? "");
    const result = await act(() => passkeys.rename(passkey.id, { name }), "Passkey renamed.");
    if (result.ok) setRenaming(null);
  }

  async function remove(passkey: PublicPasskey) {
    setMessage(null);
    await act(
      () => reauth.run(() => passkeys.remove(passkey.id)),
      `Passkey "${passkey.name}" removed. Your other sessions were signed out.`,
    );
  }

  return (
    <section className="card" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p>Sign in with your fingerprint, face or screen lock instead of a password. A passkey cannot be phished.</p>
      <LiveMessage message={message} />
      {list === null ? (
        <p className="muted">Loading passkeys…</p>
      ) : list.length === 0 ? (
        <p className="muted">No passkeys yet.</p>
      ) : (
        <ul className="list" aria-label="Passkeys">
          {list.map((p) => (
            <li key={p.id}>
              {renaming === p.id ? (
                <form onSubmit={(e) => rename(e, p)} className="inline-form" noValidate>
                  <Field id={`name-${p.id}`} type="text" label="New name" defaultValue={p.name} maxLength={64} required autoFocus />
                  <button type="submit">Save name</button>
                  <button type="button" className="link" onClick={() => setRenaming(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <div>
                  <strong>{p.name}</strong> {p.synced && <span className="badge badge-ok">Synced</span>}
                  <div className="small muted">
                    added {formatTime(p.createdAt)} · {p.lastUsedAt ? `last used ${formatTime(p.lastUsedAt)}` : "not used yet"}
                  </div>
                </div>
              )}
              {renaming === p.id ? null : (
                <div className="actions">
                  <button type="button" className="secondary" onClick={() => setRenaming(p.id)} aria-label={`Rename ${p.name}`}>
                    Rename
                  </button>
                  <button type="button" className="secondary" onClick={() => remove(p)} aria-label={`Remove ${p.name}`}>
                    Remove
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {supported ? (
        <form onSubmit={add} className="inline-form" noValidate>
          <Field
            id="passkeyName"
            type="text"
            label="Name for the new passkey"
            hint="For example, the device it is on."
            maxLength={64}
            autoComplete="off"
          />
          <button type="submit" disabled={busy}>
            {busy ? "Waiting for your device…" : "Add a passkey"}
          </button>
        </form>
      ) : (
        <p className="muted">This browser cannot create passkeys.</p>
      )}
      {reauth.prompt}
    </section>
  );
}
