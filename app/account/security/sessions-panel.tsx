"use client";
import { auth, type PublicSession } from "@/lib/client/client";
import { describeUserAgent, formatTime } from "@/lib/client/user-agent";
import { LiveMessage } from "@/app/_components/field";
import { useLoaded } from "@/app/_components/use-loaded";
import { describeError } from "@/app/_components/api-error";
import { SessionActivity, type SessionEventLoader } from "@/app/_components/session-activity";
import { PAGES } from "@/lib/http/pages";

function ownActivity(sessionId: string): SessionEventLoader {
  return async (cursor) => {
    const result = await auth.sessionActivity(sessionId, cursor ? { cursor, limit: 20 } : { limit: 20 });
    if (!result.ok) return result;
    return {
      ok: true,
      value: {
        entries: result.value.entries.map((e) => ({ ...e, by: e.bySelf ? "you" : "an administrator or the system" })),
        nextCursor: result.value.nextCursor,
      },
    };
  };
}

/** Where the account is signed in: device, IP, created, last active; this one marked; its activity; revoke. */
export function SessionsPanel() {
  const {
    data: sessions,
    message,
    setMessage,
    act,
  } = useLoaded(
    () => auth.sessions(),
    (v) => v.sessions,
    {
      onLoadError: (error) => {
        if (error.code !== "unauthenticated") return false;
        window.location.assign(`${PAGES.signIn}?returnTo=${encodeURIComponent(PAGES.accountSecurity)}`);
        return true;
      },
    },
  );

  async function revoke(session: PublicSession) {
    if (!session.current)
      return void (await act(() => auth.revokeSession(session.id), `Signed out ${describeUserAgent(session.userAgent)}.`));
    const result = await auth.revokeSession(session.id);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    window.location.assign(PAGES.signIn);
  }

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      <LiveMessage message={message} />
      {sessions === null ? (
        <p className="muted">Loading sessions…</p>
      ) : (
        <ul className="list" aria-label="Sessions">
          {sessions.map((s) => (
            <li key={s.id} data-session-id={s.id}>
              <div>
                <strong>{describeUserAgent(s.userAgent)}</strong> {s.current && <span className="badge badge-ok">This device</span>}
                <div className="small muted">
                  {s.ip ?? "unknown IP"} · signed in {formatTime(s.createdAt)} · last active {formatTime(s.lastActivityAt)}
                </div>
              </div>
              <button
                type="button"
                className="secondary"
                onClick={() => revoke(s)}
                aria-label={`Sign out ${describeUserAgent(s.userAgent)}${s.current ? " (this device)" : ` (${s.ip ?? "unknown IP"})`}`}
              >
                Sign out
              </button>
              <SessionActivity
                label={`${describeUserAgent(s.userAgent)}${s.current ? " (this device)" : ` (${s.ip ?? "unknown IP"})`}`}
                load={ownActivity(s.id)}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
