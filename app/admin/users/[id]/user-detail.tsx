"use client";
/**
 * One account in the console: security status, sessions, roles, and the actions (disable,
 * enable, unlock, end sessions, send a reset link, assign and remove roles). Buttons appear
 * for the permissions the admin holds (a convenience: the API checks each one again), and a
 * re-authentication is asked inline when the API answers reauth_required.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { admin, type AdminUserDetail, type ApiResult, type PublicSession, type Role } from "@/lib/client/client";
import { describeUserAgent, formatTime } from "@/lib/client/user-agent";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";
import { SessionActivity, type SessionEventLoader } from "@/app/_components/session-activity";

function sessionActivity(userId: string, sessionId: string): SessionEventLoader {
  return async (cursor) => {
    const result = await admin.userSessionActivity(userId, sessionId, cursor ? { cursor, limit: 20 } : { limit: 20 });
    if (!result.ok) return result;
    return {
      ok: true,
      value: {
        entries: result.value.entries.map((e) => ({
          ...e,
          at: e.createdAt,
          by: e.actorId === null ? "the system" : e.actorId === userId ? "the user" : `administrator ${e.actorId}`,
        })),
        nextCursor: result.value.nextCursor,
      },
    };
  };
}

const has = (permissions: readonly string[], p: string) => permissions.includes("*") || permissions.includes(p);

export function UserDetail({
  id,
  self,
  permissions,
  mfaEnabled,
}: {
  id: string;
  self: boolean;
  permissions: readonly string[];
  mfaEnabled: boolean;
}) {
  const [user, setUser] = useState<AdminUserDetail | null>(null);
  const [sessions, setSessions] = useState<PublicSession[]>([]);
  const [roles, setRoles] = useState<Role[]>([]);
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const reauth = useReauth({ mfaEnabled });

  const load = useCallback(async () => {
    const [detail, list, available] = await Promise.all([admin.user(id), admin.userSessions(id), admin.roles()]);
    if (!detail.ok) return setMessage({ text: describeError(detail.error), tone: "error" });
    setUser(detail.value.user);
    if (list.ok) setSessions(list.value.sessions);
    if (available.ok) setRoles(available.value.roles);
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  async function act<T>(action: () => Promise<ApiResult<T>>, done: string) {
    setBusy(true);
    setMessage(null);
    const result = await reauth.run(action);
    setBusy(false);
    setMessage(result.ok ? { text: done, tone: "success" } : { text: describeError(result.error), tone: "error" });
    await load();
  }

  function disable(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
    void act(() => admin.disable(id, reason || undefined), "The account is disabled and every session of it has ended.");
  }

  function assign(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const role = String(new FormData(event.currentTarget).get("newRole") ?? "");
    if (role) void act(() => admin.assignRole(id, role), `Role ${role} assigned.`);
  }

  if (!user)
    return (
      <>
        <LiveMessage message={message} />
        <p className="muted">Loading…</p>
      </>
    );
  const s = user.security;
  const canWrite = has(permissions, "users:write") && !self;
  const canRevoke = has(permissions, "sessions:revoke");
  const canReadAudit = has(permissions, "audit:read");
  const canAssign = has(permissions, "roles:assign");
  return (
    <>
      <LiveMessage message={message} />
      {reauth.prompt}
      <section className="card" aria-labelledby="user-title">
        <h2 id="user-title">{user.email}</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{user.name ?? "—"}</dd>
          <dt>Status</dt>
          <dd>
            {user.status === "active"
              ? "Active"
              : `Disabled ${user.disabledAt ? formatTime(user.disabledAt) : ""}${user.disabledReason ? ` (${user.disabledReason})` : ""}`}
          </dd>
          <dt>Email</dt>
          <dd>{user.emailVerified ? "Verified" : "Not verified"}</dd>
          <dt>Created</dt>
          <dd>{formatTime(user.createdAt)}</dd>
          <dt>Last sign-in</dt>
          <dd>{user.lastLoginAt ? formatTime(user.lastLoginAt) : "Never"}</dd>
          <dt>Last seen</dt>
          <dd>{user.lastSeenAt ? formatTime(user.lastSeenAt) : "—"}</dd>
          <dt>Password changed</dt>
          <dd>{user.passwordChangedAt ? formatTime(user.passwordChangedAt) : "—"}</dd>
          <dt>Sign-in lock</dt>
          <dd>
            {s.locked ? `Locked${s.lockedUntil ? ` until ${formatTime(s.lockedUntil)}` : ""}` : "Not locked"} · {s.failedLoginCount} recent
            failures ({s.totalFailedLogins} in all)
          </dd>
          <dt>Two-step</dt>
          <dd>
            {s.mfaEnabled ? `On · ${s.backupCodesLeft} backup codes left` : "Off"}
            {s.mfaLocked ? " · codes locked" : ""}
          </dd>
          <dt>Sessions</dt>
          <dd>
            {s.activeSessionCount} active · {s.trustedDeviceCount} trusted devices
          </dd>
        </dl>
        <div className="actions">
          {canWrite && user.status === "active" && (
            <form onSubmit={disable} className="inline-form">
              <Field id="reason" label="Reason (optional)" type="text" autoComplete="off" maxLength={500} />
              <button type="submit" className="danger" disabled={busy}>
                Disable account
              </button>
            </form>
          )}
          {canWrite && user.status === "disabled" && (
            <button type="button" disabled={busy} onClick={() => act(() => admin.enable(id), "The account is enabled again.")}>
              Enable account
            </button>
          )}
          {canWrite && (s.locked || s.mfaLocked) && (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => act(() => admin.unlock(id), "The account is unlocked.")}
            >
              Unlock
            </button>
          )}
          {canWrite && (
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => {
                if (window.confirm(`Delete ${user.email} for good?`)) void act(() => admin.deleteUser(id), "The account was deleted.");
              }}
            >
              Delete account
            </button>
          )}
          {canRevoke && (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => act(() => admin.sendPasswordReset(id), "A password reset link was emailed to the user.")}
            >
              Send password reset link
            </button>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="roles-title">
        <h2 id="roles-title">Roles</h2>
        {user.roles.length === 0 ? (
          <p className="muted">No roles.</p>
        ) : (
          <ul className="list" aria-label="Roles held">
            {user.roles.map((r) => (
              <li key={r}>
                <span>{r}</span>
                {canAssign && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    onClick={() => act(() => admin.removeRole(id, r), `Role ${r} removed.`)}
                    aria-label={`Remove role ${r}`}
                  >
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {canAssign && (
          <form onSubmit={assign} className="inline-form">
            <div className="field">
              <label htmlFor="newRole">Role to assign</label>
              <select id="newRole" name="newRole">
                {roles
                  .filter((r) => !user.roles.includes(r.name))
                  .map((r) => (
                    <option key={r.name} value={r.name}>
                      {r.name}
                    </option>
                  ))}
              </select>
            </div>
            <button type="submit" disabled={busy}>
              Assign role
            </button>
          </form>
        )}
      </section>

      <section className="card" aria-labelledby="user-sessions-title">
        <h2 id="user-sessions-title">Sessions</h2>
        {sessions.length === 0 ? (
          <p className="muted">No active sessions.</p>
        ) : (
          <ul className="list" aria-label="Sessions of this user">
            {sessions.map((x) => (
              <li key={x.id}>
                <div>
                  <strong>{describeUserAgent(x.userAgent)}</strong>
                  <div className="small muted">
                    {x.ip ?? "unknown IP"} · signed in {formatTime(x.createdAt)} · last active {formatTime(x.lastActivityAt)}
                  </div>
                </div>
                {canRevoke && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    onClick={() => act(() => admin.revokeUserSession(id, x.id), "The session has ended.")}
                    aria-label={`End session ${describeUserAgent(x.userAgent)} from ${x.ip ?? "unknown IP"}`}
                  >
                    End
                  </button>
                )}
                {canReadAudit && (
                  <SessionActivity
                    label={`${describeUserAgent(x.userAgent)} from ${x.ip ?? "unknown IP"}`}
                    load={sessionActivity(id, x.id)}
                  />
                )}
              </li>
            ))}
          </ul>
        )}
        {canRevoke && sessions.length > 0 && (
          <p>
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => act(() => admin.revokeUserSessions(id), "Every session of the account has ended.")}
            >
              End all sessions
            </button>
          </p>
        )}
      </section>
    </>
  );
}
