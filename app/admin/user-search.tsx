"use client";
import type { FormEvent } from "react";
import { admin, mapResult, type UserSearch as Search } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { Field, LiveMessage } from "@/app/_components/field";
import { usePaged } from "@/app/_components/use-paged";
import { TableWrap } from "@/app/_components/table-wrap";
import { PAGES } from "@/lib/http/pages";

const PAGE_SIZE = 20;

/** Search by email or name, filter by status and role, newest first, page by page. */
export function UserSearch() {
  const {
    rows: users,
    hasMore,
    message,
    search,
    more,
  } = usePaged(
    async (filter: Search, cursor) =>
      mapResult(await admin.users({ ...filter, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }), (v) => ({
        rows: v.users,
        nextCursor: v.nextCursor,
      })),
    {},
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const q = String(form.get("q") ?? "").trim();
    const status = String(form.get("status") ?? "");
    const role = String(form.get("role") ?? "").trim();
    const next: Search = {
      ...(q ? { q } : {}),
      ...(status === "active" || status === "disabled" ? { status } : {}),
      ...(role ? { role } : {}),
    };
    search(next);
  }

  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {/* biome-ignore lint/a11y/useSemanticElements: a form is the search landmark here; <search> would need its own form inside */}
      <form onSubmit={submit} className="inline-form" role="search" aria-label="Users">
        <Field id="q" label="Email or name" type="search" autoComplete="off" maxLength={254} />
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue="">
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
          </select>
        </div>
        <Field id="role" label="Role" type="text" autoComplete="off" maxLength={40} />
        <button type="submit">Search</button>
      </form>
      <LiveMessage message={message} />
      {users === null ? (
        <p className="muted">Loading users…</p>
      ) : users.length === 0 ? (
        <p>No users match.</p>
      ) : (
        <TableWrap label="Users">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Roles</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <a href={PAGES.adminUser(u.id)}>{u.email}</a>
                    {!u.emailVerified && <span className="small muted"> (unverified)</span>}
                  </td>
                  <td>{u.name ?? "—"}</td>
                  <td>{u.status === "active" ? "Active" : <span className="badge badge-warn">Disabled</span>}</td>
                  <td>{u.roles.join(", ") || "—"}</td>
                  <td>{formatTime(u.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {hasMore && (
        <p>
          <button type="button" className="secondary" onClick={more}>
            Next {PAGE_SIZE} users
          </button>
        </p>
      )}
    </section>
  );
}
