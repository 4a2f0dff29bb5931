"use client";
/**
 * Two-step verification: enrol (QR code and the key to type by hand, then a code to confirm),
 * the backup codes shown once (copy, download), new backup codes, turn off. The API asks for a
 * re-authentication where it wants one; the inline form appears then.
 */
import { useState, type FormEvent } from "react";
import { mfa, type TotpSetup } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";
import { useReauth } from "@/app/_components/reauth";
import { BackupCodesView } from "./backup-codes";

type View = { kind: "idle" } | { kind: "setup"; setup: TotpSetup } | { kind: "codes"; codes: readonly string[] };

export function MfaPanel({ enabled }: { enabled: boolean }) {
  const [view, setView] = useState<View>({ kind: "idle" });
  const [message, setMessage] = useState<Message | null>(null);
  const [codeError, setCodeError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reauth = useReauth({ mfaEnabled: enabled });

  async function start() {
    setBusy(true);
    setMessage(null);
    const result = await reauth.run(() => mfa.startTotpSetup());
    setBusy(false);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    setView({ kind: "setup", setup: result.value });
  }

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    const result = await mfa.confirmTotp({ code: String(new FormData(event.currentTarget).get("setupCode") ?? "") });
    setBusy(false);
    if (!result.ok) {
      const text = describeError(result.error);
      setCodeError(fieldOf(result.error, { code: "setupCode" }) ? text : null);
      return setMessage({ text, tone: "error" });
    }
    setCodeError(null);
    setMessage({ text: "Two-step verification is on. Save your backup codes now: they are shown only once.", tone: "success" });
    setView({ kind: "codes", codes: result.value.backupCodes });
  }

  async function regenerate() {
    setBusy(true);
    setMessage(null);
    const result = await reauth.run(() => mfa.regenerateBackupCodes());
    setBusy(false);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    setMessage({
      text: "New backup codes are ready; the old ones no longer work. Save them now: they are shown only once.",
      tone: "success",
    });
    setView({ kind: "codes", codes: result.value.backupCodes });
  }

  async function disable() {
    setBusy(true);
    setMessage(null);
    const result = await reauth.run(() => mfa.disableTotp());
    setBusy(false);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    window.location.reload();
  }

  return (
    <section className="card" aria-labelledby="mfa-title">
      <h2 id="mfa-title">Two-step verification</h2>
      <LiveMessage message={message} />
      {view.kind === "codes" ? (
        <BackupCodesView codes={view.codes} onDone={() => window.location.reload()} />
      ) : view.kind === "setup" ? (
        <>
          <ol>
            <li>Scan this QR code with an authenticator app, or type the key into it.</li>
            <li>Enter the 6-digit code the app shows.</li>
          </ol>
          <p className="qr">
            <img
              src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(view.setup.qrCodeSvg)}`}
              alt="QR code for your authenticator app"
            />
          </p>
          <p>
            <span className="label" id="manual-key-label">
              Key to type by hand
            </span>
            <code className="secret" data-testid="manual-key">
              {view.setup.secret}
            </code>
          </p>
          <form onSubmit={confirm} className="inline-form" noValidate>
            <Field
              id="setupCode"
              label="Code from the app"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]*"
              maxLength={8}
              required
              error={codeError}
            />
            <button type="submit" disabled={busy}>
              {busy ? "Checking…" : "Turn on"}
            </button>
          </form>
        </>
      ) : enabled ? (
        <>
          <p>
            <span className="badge badge-ok">On</span> Signing in asks for a code from your authenticator app (or a backup code).
          </p>
          <div className="actions">
            <button type="button" className="secondary" disabled={busy} onClick={regenerate}>
              Get new backup codes
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={disable}>
              Turn off two-step verification
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            <span className="badge badge-warn">Off</span> Add a code from an authenticator app to your sign-in, so that a stolen password is
            not enough.
          </p>
          <button type="button" disabled={busy} onClick={start}>
            Set up two-step verification
          </button>
        </>
      )}
      {reauth.prompt}
    </section>
  );
}
