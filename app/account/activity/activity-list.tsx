"use client";
import { useCallback, useEffect, useState } from "react";
import { auth, type ActivityPage } from "@/lib/client/client";
import { describeUserAgent, formatTime } from "@/lib/client/user-agent";
import { LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { eventLabel } from "./event-labels";
import { TableWrap } from "@/app/_components/table-wrap";

export function ActivityList() {
  const [entries, setEntries] = useState<ActivityPage["entries"] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);

  const load = useCallback(async (after: string | null) => {
    const result = await auth.activity(after ? { cursor: after, limit: 25 } : { limit: 25 });
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    setEntries((prev) => [...(after && prev ? prev : []), ...result.value.entries]);
    setCursor(result.value.nextCursor);
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <section className="card" aria-labelledby="activity-title">
      <h2 id="activity-title">Security events</h2>
      <LiveMessage message={message} />
      {entries === null ? (
        <p className="muted">Loading activity…</p>
      ) : (
        <TableWrap label="Sign-in activity">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-event={e.eventType}>
                  <td>{formatTime(e.at)}</td>
                  <td>
                    {eventLabel(e.eventType)}
                    {e.result === "failure" && (
                      <>
                        {" "}
                        <span className="badge badge-warn">failed</span>
                      </>
                    )}
                    {!e.bySelf && <span className="small muted"> (by an administrator or the system)</span>}
                  </td>
                  <td>
                    {e.ip ?? "—"}
                    <div className="small muted">{describeUserAgent(e.userAgent)}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {cursor && (
        <p>
          <button type="button" className="secondary" onClick={() => load(cursor)}>
            Show older events
          </button>
        </p>
      )}
    </section>
  );
}
