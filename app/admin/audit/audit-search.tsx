"use client";
import type { FormEvent } from "react";
import { admin, mapResult, type AuditSearch as Search } from "@/lib/client/client";
import { describeUserAgent, formatTime } from "@/lib/client/user-agent";
import { Field, LiveMessage } from "@/app/_components/field";
import { usePaged } from "@/app/_components/use-paged";
import { eventLabel } from "@/app/account/activity/event-labels";
import { TableWrap } from "@/app/_components/table-wrap";
import { PAGES } from "@/lib/http/pages";

const PAGE_SIZE = 50;

/** datetime-local (the reader's local time) -> ISO with offset, as the API wants. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Filters by user id, event type, IP and time range; newest first, page by page. */
export function AuditSearch() {
  const {
    rows: entries,
    hasMore,
    message,
    search,
    more,
  } = usePaged(
    async (filter: Search, cursor) =>
      mapResult(await admin.audit({ ...filter, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }), (v) => ({
        rows: v.entries,
        nextCursor: v.nextCursor,
      })),
    {},
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || undefined;
    const next: Search = Object.fromEntries(
      Object.entries({
        user: text("user"),
        event: text("event"),
        ip: text("ip"),
        from: isoOf(String(form.get("from") ?? "")),
        to: isoOf(String(form.get("to") ?? "")),
      }).filter(([, v]) => v !== undefined),
    );
    search(next);
  }

  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Events</h2>
      {/* biome-ignore lint/a11y/useSemanticElements: a form is the search landmark here; <search> would need its own form inside */}
      <form onSubmit={submit} className="inline-form" role="search" aria-label="Audit log">
        <Field id="user" label="User id" type="text" autoComplete="off" spellCheck={false} maxLength={36} />
        <Field id="event" label="Event type" type="text" autoComplete="off" spellCheck={false} hint="e.g. login.failure" maxLength={64} />
        <Field id="ip" label="IP address" type="text" autoComplete="off" spellCheck={false} maxLength={45} />
        <Field id="from" label="From" type="datetime-local" />
        <Field id="to" label="Until" type="datetime-local" />
        <button type="submit">Search</button>
      </form>
      <LiveMessage message={message} />
      {entries === null ? (
        <p className="muted">Loading events…</p>
      ) : entries.length === 0 ? (
        <p>No events match.</p>
      ) : (
        <TableWrap label="Audit events">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Actor → target</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.createdAt)}</td>
                  <td>
                    <code>{e.eventType}</code>
                    {e.result === "failure" && (
                      <>
                        {" "}
                        <span className="badge badge-warn">failed</span>
                      </>
                    )}
                    <div className="small muted">{eventLabel(e.eventType)}</div>
                  </td>
                  <td className="small mono">
                    {e.actorId ? <a href={PAGES.adminUser(e.actorId)}>{e.actorId.slice(0, 8)}</a> : "—"} →{" "}
                    {e.targetId ? <a href={PAGES.adminUser(e.targetId)}>{e.targetId.slice(0, 8)}</a> : "—"}
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
      {hasMore && (
        <p>
          <button type="button" className="secondary" onClick={more}>
            Older events
          </button>
        </p>
      )}
    </section>
  );
}
