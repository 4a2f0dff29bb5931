"use client";
import { oauth, type PublicConsent } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { LiveMessage } from "@/app/_components/field";
import { useLoaded } from "@/app/_components/use-loaded";
import { SCOPE_TEXT } from "@/app/oauth/scope-text";

/** Sites allowed to sign the person in ("Sign in with Portcullis"); removing one ends its refresh tokens. */
export function ConsentsPanel() {
  const {
    data: consents,
    message,
    act,
  } = useLoaded(
    () => oauth.consents(),
    (v) => v.consents,
  );

  const revoke = (consent: PublicConsent) =>
    act(() => oauth.revokeConsent(consent.clientId), `${consent.clientName} can no longer sign you in without asking again.`);

  return (
    <section className="card" aria-labelledby="consents-title">
      <h2 id="consents-title">Sites you signed in to</h2>
      <LiveMessage message={message} />
      {consents === null ? (
        <p className="muted">Loading sites…</p>
      ) : consents.length === 0 ? (
        <p className="muted">No other site can sign you in with this account.</p>
      ) : (
        <ul className="list" aria-label="Sites you signed in to">
          {consents.map((c) => (
            <li key={c.clientId}>
              <div>
                <strong>{c.clientName}</strong>
                <div className="small muted">allowed {formatTime(c.grantedAt)}</div>
                <ul className="small">
                  {c.scopes.map((s) => (
                    <li key={s}>{SCOPE_TEXT[s] ?? s}</li>
                  ))}
                </ul>
              </div>
              <button type="button" className="secondary" onClick={() => revoke(c)} aria-label={`Remove access for ${c.clientName}`}>
                Remove access
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
