"use client";
/**
 * The roles: their permissions and whether they require MFA; with roles:assign, forms to create,
 * edit and delete them. The API validates every permission, guards the last administrator and
 * audits each change; a re-authentication is asked inline when it answers reauth_required.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { admin, type ApiResult, type Role } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";

function checked(form: FormData, known: readonly string[], prefix: string): string[] {
  return known.filter((p) => form.get(`${prefix}-${p}`) === "on");
}

function PermissionBoxes({ prefix, known, selected }: { prefix: string; known: readonly string[]; selected: readonly string[] }) {
  return (
    <fieldset className="permissions">
      <legend>Permissions</legend>
      {known.map((p) => (
        <div className="check" key={p}>
          <input id={`${prefix}-${p}`} name={`${prefix}-${p}`} type="checkbox" defaultChecked={selected.includes(p)} />
          <label htmlFor={`${prefix}-${p}`}>{p === "*" ? "* (every permission)" : p}</label>
        </div>
      ))}
    </fieldset>
  );
}

export function RolesEditor({ known, canManage, mfaEnabled }: { known: readonly string[]; canManage: boolean; mfaEnabled: boolean }) {
  const [roles, setRoles] = useState<Role[] | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const reauth = useReauth({ mfaEnabled });

  const load = useCallback(async () => {
    const result = await admin.roles();
    if (result.ok) setRoles(result.value.roles);
    else setMessage({ text: describeError(result.error), tone: "error" });
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function act<T>(action: () => Promise<ApiResult<T>>, done: string): Promise<boolean> {
    setBusy(true);
    setMessage(null);
    const result = await reauth.run(action);
    setBusy(false);
    setMessage(result.ok ? { text: done, tone: "success" } : { text: describeError(result.error), tone: "error" });
    await load();
    return result.ok;
  }

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const name = String(form.get("new-name") ?? "").trim();
    const ok = await act(
      () =>
        admin.createRole({
          name,
          description: String(form.get("new-description") ?? ""),
          permissions: checked(form, known, "new"),
          requireMfa: form.get("new-require-mfa") === "on",
        }),
      `The role ${name} is created.`,
    );
    if (ok) formElement.reset();
  }

  function edit(role: Role) {
    return (event: FormEvent<HTMLFormElement>) => {
      event.preventDefault();
      const form = new FormData(event.currentTarget);
      void act(
        () =>
          admin.editRole(role.name, {
            description: String(form.get(`edit-${role.name}-description`) ?? ""),
            permissions: checked(form, known, `edit-${role.name}`),
            requireMfa: form.get(`edit-${role.name}-require-mfa`) === "on",
          }),
        `The role ${role.name} is saved.`,
      );
    };
  }

  return (
    <>
      <LiveMessage message={message} />
      {reauth.prompt}
      {roles === null ? (
        <p className="muted">Loading roles…</p>
      ) : (
        roles.map((role) => (
          <section className="card" key={role.name} aria-labelledby={`role-${role.name}`} data-role={role.name}>
            <h2 id={`role-${role.name}`}>{role.name}</h2>
            {canManage ? (
              <form onSubmit={edit(role)}>
                <Field
                  id={`edit-${role.name}-description`}
                  label="Description"
                  type="text"
                  autoComplete="off"
                  maxLength={500}
                  defaultValue={role.description}
                />
                <PermissionBoxes prefix={`edit-${role.name}`} known={known} selected={role.permissions} />
                <div className="check">
                  <input
                    id={`edit-${role.name}-require-mfa`}
                    name={`edit-${role.name}-require-mfa`}
                    type="checkbox"
                    defaultChecked={role.requireMfa}
                  />
                  <label htmlFor={`edit-${role.name}-require-mfa`}>Require two-step verification to use this role</label>
                </div>
                <div className="actions">
                  <button type="submit" disabled={busy}>
                    Save {role.name}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    onClick={() => act(() => admin.deleteRole(role.name), `The role ${role.name} is deleted.`)}
                  >
                    Delete {role.name}
                  </button>
                </div>
              </form>
            ) : (
              <>
                <p>{role.description || "No description."}</p>
                <p className="small muted">
                  {role.permissions.length ? role.permissions.join(", ") : "No permission"} ·{" "}
                  {role.requireMfa ? "requires two-step verification" : "password alone is enough"}
                </p>
              </>
            )}
          </section>
        ))
      )}
      {canManage && (
        <form className="card" onSubmit={create} aria-labelledby="new-role-title">
          <h2 id="new-role-title">New role</h2>
          <Field
            id="new-name"
            label="Name"
            hint="2 to 40 lowercase letters, digits or _, starting with a letter."
            type="text"
            autoComplete="off"
            required
            pattern="[a-z][a-z0-9_]{1,39}"
          />
          <Field id="new-description" label="Description" type="text" autoComplete="off" maxLength={500} />
          <PermissionBoxes prefix="new" known={known} selected={[]} />
          <div className="check">
            <input id="new-require-mfa" name="new-require-mfa" type="checkbox" />
            <label htmlFor="new-require-mfa">Require two-step verification to use this role</label>
          </div>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Saving…" : "Create role"}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
