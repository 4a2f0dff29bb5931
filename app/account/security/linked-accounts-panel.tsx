"use client";
/**
 * Linked sign-ins (issue 14): the providers linked to this account, "Link" for the others the
 * site offers, "Unlink" for each linked one. Both need a recent re-authentication (the API
 * answers reauth_required, and the shared prompt asks for the password). The API refuses to
 * unlink the last way to sign in (last_sign_in_method); the page shows its message. After the
 * provider's redirect back, ?linked= or ?error= says how linking went. The page shows the panel
 * only when the site offers at least one provider.
 */
import { useState } from "react";
import { social, type PublicIdentity, type PublicProvider } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { LiveMessage, type Message } from "@/app/_components/field";
import { useLoaded } from "@/app/_components/use-loaded";
import { describeError } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";

interface State {
  readonly providers: PublicProvider[];
  readonly accounts: PublicIdentity[];
  readonly hasPassword: boolean;
}

export function LinkedAccountsPanel({ mfaEnabled, initialMessage }: { mfaEnabled: boolean; initialMessage: Message | null }) {
  const {
    data: state,
    message,
    setMessage,
    act,
  } = useLoaded(
    () => social.accounts(),
    (v): State => v,
    { initialMessage },
  );
  const [busy, setBusy] = useState(false);
  const reauth = useReauth({ mfaEnabled });

  async function link(provider: { id: string; label: string }) {
    setBusy(true);
    const result = await reauth.run(() => social.startLink(provider.id));
    if (result.ok) {
      window.location.assign(result.value.url);
      return;
    }
    setBusy(false);
    setMessage({ text: describeError(result.error), tone: "error" });
  }

  async function unlink(identity: PublicIdentity, label: string) {
    setBusy(true);
    await act(() => reauth.run(() => social.unlink(identity.id)), `${label} is no longer linked.`);
    setBusy(false);
  }

  if (state !== null && state.providers.length === 0 && state.accounts.length === 0) return null;
  // an identity of a provider the site no longer offers is still listed, so it can be unlinked
  const rows: { id: string; label: string; linked: PublicIdentity | undefined; offered: boolean }[] = state
    ? [
        ...state.providers.map((p) => ({
          id: p.id,
          label: p.label,
          linked: state.accounts.find((a) => a.provider === p.id),
          offered: true,
        })),
        ...state.accounts
          .filter((a) => !state.providers.some((p) => p.id === a.provider))
          .map((a) => ({ id: a.provider, label: a.provider, linked: a, offered: false })),
      ]
    : [];

  return (
    <section className="card" aria-labelledby="linked-title">
      <h2 id="linked-title">Linked sign-ins</h2>
      <LiveMessage message={message} />
      {state === null ? (
        <p className="muted">Loading linked sign-ins…</p>
      ) : (
        <>
          <p className="small muted">
            {state.hasPassword
              ? "You can also sign in with your password."
              : "This account has no password: keep at least one sign-in linked."}
          </p>
          <ul className="list" aria-label="Sign-in providers">
            {rows.map(({ id, label, linked, offered }) => (
              <li key={id}>
                <div>
                  <strong>{label}</strong> {linked && <span className="badge badge-ok">Linked</span>}
                  {linked && (
                    <div className="small muted">
                      {linked.email ?? "no email"} · linked {formatTime(linked.linkedAt)}
                      {linked.lastUsedAt ? ` · last used ${formatTime(linked.lastUsedAt)}` : ""}
                    </div>
                  )}
                </div>
                {linked ? (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    onClick={() => unlink(linked, label)}
                    aria-label={`Unlink ${label}`}
                  >
                    Unlink
                  </button>
                ) : (
                  offered && (
                    <button
                      type="button"
                      className="secondary"
                      disabled={busy}
                      onClick={() => link({ id, label })}
                      aria-label={`Link ${label}`}
                    >
                      Link
                    </button>
                  )
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {reauth.prompt}
    </section>
  );
}
