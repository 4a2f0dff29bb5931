"use client";
/**
 * Email and password, then (when the API answers mfa_required) the second step
 * (app/sign-in/second-step-form.tsx: a passkey, a TOTP code or a backup code, and "trust this
 * device"). Every outcome is the API's: wrong credentials,
 * a lock with its time left (429 + Retry-After), 503. On success a full navigation to
 * returnTo (already reduced to a same-origin path by the server page). A passkey signs in
 * without either step (app/sign-in/passkey-sign-in.ts): the button, or the email field's autofill.
 * An emailed code (app/sign-in/email-code-sign-in.tsx, when on) replaces the password step only.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { auth, socialStartPath, type ApiError, type PublicProvider } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError, fieldOf } from "@/app/_components/api-error";
import { useCaptcha } from "@/app/_components/captcha";
import { passkeysSupported, signInWithPasskey, usePasskeyAutofill, type PasskeyOutcome } from "./passkey-sign-in";
import { EmailCodeSignIn } from "./email-code-sign-in";
import { SecondStepForm, type SecondStepMethods } from "./second-step-form";
import { PAGES } from "@/lib/http/pages";

/** `methods`: what mfa_required listed (undefined: not known, every method is offered). */
type Step =
  | { kind: "password" }
  | { kind: "second"; challenge: string; backup: boolean; methods?: SecondStepMethods }
  | { kind: "email-code" };

/**
 * A social sign-in whose account has a second factor comes back as /sign-in#challenge=...: the
 * challenge is taken once and removed from the address bar (like an emailed link's token).
 */
function takeFragmentChallenge(): string | null {
  const challenge = new URLSearchParams(window.location.hash.slice(1)).get("challenge");
  if (window.location.hash) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return challenge && /^[A-Za-z0-9_.-]{16,256}$/.test(challenge) ? challenge : null;
}

export function SignInForm({
  returnTo,
  providers = [],
  socialError = null,
  captchaSiteKey = null,
  emailCodes = false,
}: {
  returnTo: string;
  providers?: readonly PublicProvider[];
  socialError?: string | null;
  captchaSiteKey?: string | null;
  /** EMAIL_SIGN_IN_CODES: offer "Email me a sign-in code" (app/sign-in/email-code-sign-in.tsx). */
  emailCodes?: boolean;
}) {
  // The API asks for the challenge only after failures (captcha_required): the widget appears then.
  const [captchaAsked, setCaptchaAsked] = useState(false);
  const captcha = useCaptcha(captchaSiteKey, captchaAsked);
  const [step, setStep] = useState<Step>({ kind: "password" });
  const [message, setMessage] = useState<Message | null>(socialError ? { text: socialError, tone: "error" } : null);

  useEffect(() => {
    const challenge = takeFragmentChallenge();
    if (challenge) setStep({ kind: "second", challenge, backup: false });
  }, []);
  const [fieldError, setFieldError] = useState<{ field: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [withPasskeys, setWithPasskeys] = useState(false);

  useEffect(() => setWithPasskeys(passkeysSupported()), []);

  const passkeyDone = useCallback(
    (outcome: PasskeyOutcome) => {
      if (outcome.ok) {
        setMessage({ text: "Signed in.", tone: "success" });
        window.location.assign(returnTo);
      } else if (outcome.error) {
        setFieldError(null);
        setMessage({ text: describeError(outcome.error), tone: "error" });
      }
    },
    [returnTo],
  );
  usePasskeyAutofill(passkeyDone);

  async function passkeyButton() {
    setBusy(true);
    setMessage(null);
    const outcome = await signInWithPasskey();
    setBusy(false);
    passkeyDone(outcome);
  }

  function fail(error: ApiError, fields: Record<string, string>) {
    const text = describeError(error);
    const field = fieldOf(error, fields);
    setFieldError(field ? { field, text } : null);
    setMessage({ text, tone: "error" });
  }

  async function signIn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setMessage(null);
    const captchaToken = captcha.token ?? undefined;
    const result = await auth.signIn({
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      captchaToken,
    });
    if (captchaToken) captcha.used();
    setBusy(false);
    if (!result.ok && result.error.code.startsWith("captcha_")) setCaptchaAsked(true);
    if (!result.ok) return fail(result.error, { email: "email", password: "password" });
    setFieldError(null);
    if (result.value.status === "mfa_required") {
      setStep({ kind: "second", challenge: result.value.challenge, backup: false, methods: result.value.methods });
      return;
    }
    setMessage({ text: "Signed in.", tone: "success" });
    window.location.assign(returnTo);
  }

  const error = (field: string) => (fieldError?.field === field ? fieldError.text : null);

  if (step.kind === "email-code") {
    return (
      <EmailCodeSignIn
        returnTo={returnTo}
        onSecondStep={(challenge, methods) => setStep({ kind: "second", challenge, backup: false, methods })}
        onCancel={() => setStep({ kind: "password" })}
      />
    );
  }

  if (step.kind === "second") {
    return (
      <SecondStepForm
        challenge={step.challenge}
        methods={step.methods}
        backupFirst={step.backup}
        returnTo={returnTo}
        onExpired={(expired) => {
          setStep({ kind: "password" });
          fail(expired, {});
        }}
      />
    );
  }

  return (
    <div className="card">
      <LiveMessage message={message} />
      <form onSubmit={signIn} noValidate>
        <Field
          id="email"
          label="Email address"
          type="email"
          autoComplete="username webauthn"
          inputMode="email"
          maxLength={254}
          required
          autoFocus
          error={error("email")}
        />
        <Field id="password" label="Password" type="password" autoComplete="current-password" required error={error("password")} />
        {captcha.widget}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
          <a href={PAGES.forgotPassword}>Forgot your password?</a>
        </div>
      </form>
      {emailCodes ? (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setMessage(null);
              setFieldError(null);
              setStep({ kind: "email-code" });
            }}
            disabled={busy}
          >
            Email me a sign-in code
          </button>
        </div>
      ) : null}
      {withPasskeys ? (
        <div className="actions">
          <button type="button" className="secondary" onClick={passkeyButton} disabled={busy}>
            Sign in with a passkey
          </button>
        </div>
      ) : null}
      {providers.length > 0 && (
        <nav aria-label="Other ways to sign in" className="social">
          <p className="small muted">or</p>
          <ul>
            {providers.map((p) => (
              <li key={p.id}>
                <a className="button secondary" href={socialStartPath(p.id, returnTo)}>
                  Continue with {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <p className="small muted">
        New here? <a href={PAGES.signUp}>Create an account</a>.
      </p>
    </div>
  );
}
