"use client";
/**
 * The second sign-in step, after the password (or a social sign-in): the methods the API listed
 * in its mfa_required answer. "Use a passkey" (one of the account's passkeys, through
 * @simplewebauthn/browser: app/sign-in/passkey-second-step.ts), an authenticator app's code, or
 * a backup code; and "trust this device" for whichever answers. Without the list (a challenge
 * that came in the address's fragment) every method is offered and the API says which works.
 * An expired or spent challenge sends the user back to the password step.
 */
import { useEffect, useState, type FormEvent } from "react";
import { auth, type ApiError, type MfaRequired } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";
import { answerWithPasskey } from "./passkey-second-step";
import { passkeysSupported } from "./passkey-sign-in";

export type SecondStepMethods = MfaRequired["methods"];

export function SecondStepForm({
  challenge,
  methods,
  backupFirst = false,
  returnTo,
  onExpired,
}: {
  challenge: string;
  /** From the mfa_required answer; undefined offers every method. */
  methods?: SecondStepMethods;
  backupFirst?: boolean;
  returnTo: string;
  /** The challenge is no longer live: start again from the password. */
  onExpired: (error: ApiError) => void;
}) {
  const [backup, setBackup] = useState(backupFirst);
  const [trust, setTrust] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [browserPasskeys, setBrowserPasskeys] = useState(false);
  useEffect(() => setBrowserPasskeys(passkeysSupported()), []);

  const codes = methods === undefined || methods.includes("totp");
  const passkey = methods === undefined || methods.includes("passkey");

  function settle(result: { ok: true } | { ok: false; error: ApiError }, fields: Record<string, string>) {
    if (result.ok) {
      setMessage({ text: "Signed in.", tone: "success" });
      window.location.assign(returnTo);
      return;
    }
    if (result.error.code === "invalid_challenge") return onExpired(result.error);
    const text = describeError(result.error);
    setFieldError(fieldOf(result.error, fields) ? text : null);
    setMessage({ text, tone: "error" });
  }

  async function submitCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setMessage(null);
    const result = await auth.completeSecondStep({ challenge, code: String(form.get("code") ?? ""), trustDevice: trust });
    setBusy(false);
    settle(result, { code: "code" });
  }

  async function passkeyButton() {
    setBusy(true);
    setMessage(null);
    setFieldError(null);
    const result = await answerWithPasskey(challenge, trust);
    setBusy(false);
    settle(result, {});
  }

  return (
    <div className="card">
      <LiveMessage message={message} />
      <h2>Two-step verification</h2>
      <div className="check">
        <input id="trust" name="trust" type="checkbox" checked={trust} onChange={(event) => setTrust(event.currentTarget.checked)} />
        <label htmlFor="trust">Trust this device: skip this step here next time</label>
      </div>
      {passkey && (
        <section aria-labelledby="second-passkey-heading">
          <h3 id="second-passkey-heading">Passkey</h3>
          {browserPasskeys ? (
            <>
              <p className="hint">Confirm with one of the passkeys you added to this account.</p>
              <div className="actions">
                <button type="button" onClick={passkeyButton} disabled={busy}>
                  {busy ? "Checking…" : "Use a passkey"}
                </button>
              </div>
            </>
          ) : (
            <p className="hint">This browser cannot use passkeys.</p>
          )}
        </section>
      )}
      {codes && (
        <form onSubmit={submitCode} noValidate aria-label="Verify with a code">
          {passkey && <h3>{backup ? "Backup code" : "Authenticator app"}</h3>}
          {backup ? (
            <Field
              key="backup"
              id="code"
              label="Backup code"
              hint="One of the backup codes you saved. Each works once."
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              required
              autoFocus
              error={fieldError}
            />
          ) : (
            <Field
              key="totp"
              id="code"
              label="Authentication code"
              hint="The 6-digit code from your authenticator app."
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]*"
              maxLength={8}
              required
              autoFocus
              error={fieldError}
            />
          )}
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Checking…" : "Verify"}
            </button>
            <button
              type="button"
              className="link"
              onClick={() => {
                setFieldError(null);
                setBackup(!backup);
              }}
            >
              {backup ? "Use your authenticator app instead" : "Use a backup code instead"}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
