"use client";
/**
 * Inline re-authentication: run(action) calls the API; when the API answers reauth_required
 * (403), a password (and code) form appears where the action was, and after a successful
 * POST /api/auth/reauth the action runs again. The page never decides by itself that a
 * re-authentication is due: only the API's answer opens the form. With `passkeys`, or once the API
 * answers passkey_required (an account whose second factor is a passkey), the form also offers
 * "Use a passkey instead" (POST /api/auth/reauth/passkey: aal2, like a passkey sign-in).
 */
import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { startAuthentication } from "@simplewebauthn/browser";
import { auth, passkeys, type ApiResult } from "@/lib/client/client";
import { describeError, fieldOf } from "./api-error";
import { Field } from "./field";

/**
 * Re-authentication with a passkey (POST /api/auth/reauth/passkey/options, then the browser's
 * ceremony, then POST /api/auth/reauth/passkey): null on success, the API's message on a refusal,
 * "" when no passkey was used (the ceremony was cancelled or failed in the browser).
 */
export async function reauthenticateWithPasskey(): Promise<string | null> {
  const request = await passkeys.reauthOptions();
  if (!request.ok) return describeError(request.error);
  try {
    const result = await passkeys.reauthenticate({ response: await startAuthentication({ optionsJSON: request.value.options }) });
    return result.ok ? null : describeError(result.error);
  } catch {
    return "";
  }
}

interface Pending {
  resolve: (proceed: boolean) => void;
}

export function useReauth(options: { mfaEnabled: boolean; passkeys?: boolean }): {
  run: <T>(action: () => Promise<ApiResult<T>>) => Promise<ApiResult<T>>;
  prompt: ReactNode;
} {
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<{ field: string | null; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [passkeyAsked, setPasskeyAsked] = useState(false);
  const formId = useRef(`reauth-${Math.random().toString(36).slice(2, 8)}`).current;

  async function run<T>(action: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
    const first = await action();
    if (first.ok || first.error.code !== "reauth_required") return first;
    const proceed = await new Promise<boolean>((resolve) => {
      setError(null);
      setPending({ resolve });
    });
    return proceed ? action() : first;
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!pending) return;
    const form = new FormData(event.currentTarget);
    const code = String(form.get(`${formId}-code`) ?? "").trim();
    setBusy(true);
    const result = await auth.reauthenticate({ password: String(form.get(`${formId}-password`) ?? ""), ...(code ? { code } : {}) });
    setBusy(false);
    if (!result.ok) {
      if (result.error.code === "passkey_required") setPasskeyAsked(true);
      setError({
        field: fieldOf(result.error, { password: "password", code: "code" }) ?? (result.error.code === "mfa_required" ? "code" : null),
        text: describeError(result.error),
      });
      return;
    }
    setPending(null);
    pending.resolve(true);
  }

  async function withPasskey() {
    if (!pending) return;
    setBusy(true);
    setError(null);
    const failure = await reauthenticateWithPasskey();
    setBusy(false);
    if (failure !== null) {
      setError({ field: null, text: failure || "No passkey was used. Try again, or enter your password." });
      return;
    }
    setPending(null);
    pending.resolve(true);
  }

  function cancel() {
    pending?.resolve(false);
    setPending(null);
  }

  const prompt = pending ? (
    <form className="card" onSubmit={submit} aria-labelledby={`${formId}-title`}>
      <h3 id={`${formId}-title`}>Confirm it is you</h3>
      <p className="muted">This action needs your password again{options.mfaEnabled ? " and a code from your authenticator" : ""}.</p>
      {error && !error.field && (
        <p className="notice notice-error" role="alert">
          {error.text}
        </p>
      )}
      <Field
        id={`${formId}-password`}
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        autoFocus
        error={error?.field === "password" ? error.text : null}
      />
      {options.mfaEnabled && (
        <Field
          id={`${formId}-code`}
          label="Authentication code"
          hint="From your authenticator app, or a backup code."
          inputMode="text"
          autoComplete="one-time-code"
          required
          error={error?.field === "code" ? error.text : null}
        />
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? "Confirming…" : "Confirm"}
        </button>
        {(options.passkeys || passkeyAsked) && (
          <button type="button" className="secondary" onClick={withPasskey} disabled={busy}>
            Use a passkey instead
          </button>
        )}
        <button type="button" className="secondary" onClick={cancel}>
          Cancel
        </button>
      </div>
    </form>
  ) : null;

  return { run, prompt };
}
