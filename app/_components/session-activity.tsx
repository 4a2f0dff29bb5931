"use client";
/**
 * A session's security events in a disclosure ("Activity"), loaded when first opened and paged
 * with "Show older events". The owner's page and the admin console give their own loader (the
 * API decides who may read which session); each event says what happened, when, from where
 * and who did it.
 */
import { useState } from "react";
import type { ApiResult } from "@/lib/client/client";
import { describeUserAgent, formatTime } from "@/lib/client/user-agent";
import { LiveMessage, type Message } from "./field";
import { describeError } from "./api-error";
import { eventLabel } from "@/app/account/activity/event-labels";

export interface SessionEvent {
  readonly id: string;
  readonly at: string;
  readonly eventType: string;
  readonly result: "success" | "failure";
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Who acted, in words ("you", "an administrator"). */
  readonly by: string;
}

export type SessionEventLoader = (cursor: string | null) => Promise<ApiResult<{ entries: SessionEvent[]; nextCursor: string | null }>>;

export function SessionActivity({ label, load }: { label: string; load: SessionEventLoader }) {
  const [entries, setEntries] = useState<SessionEvent[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);

  async function fetchPage(after: string | null) {
    setBusy(true);
    const result = await load(after);
    setBusy(false);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    setEntries((prev) => [...(after && prev ? prev : []), ...result.value.entries]);
    setCursor(result.value.nextCursor);
  }

  return (
    <details
      className="session-activity"
      onToggle={(event) => {
        if (event.currentTarget.open && entries === null && !busy) void fetchPage(null);
      }}
    >
      <summary aria-label={`Activity of ${label}`}>Activity</summary>
      <LiveMessage message={message} />
      {entries === null ? (
        <p className="small muted">Loading activity…</p>
      ) : entries.length === 0 ? (
        <p className="small muted">No recorded events.</p>
      ) : (
        <ol className="event-list" aria-label={`Events of ${label}`}>
          {entries.map((e) => (
            <li key={e.id} data-event={e.eventType}>
              <strong>{eventLabel(e.eventType)}</strong>
              {e.result === "failure" && <span className="badge badge-warn">failed</span>}
              <div className="small muted">
                {formatTime(e.at)} · by {e.by} · {e.ip ?? "unknown IP"} · {describeUserAgent(e.userAgent)}
              </div>
            </li>
          ))}
        </ol>
      )}
      {cursor && (
        <button type="button" className="secondary" disabled={busy} onClick={() => fetchPage(cursor)}>
          {busy ? "Loading…" : "Show older events"}
        </button>
      )}
    </details>
  );
}
