"use client";
/**
 * Passkey sign-in on /sign-in: the "Sign in with a passkey" button, and conditional UI (the
 * browser offers passkeys in the email field's autofill, autocomplete="username webauthn").
 * Each attempt asks the API for options (which sets the pre-authentication cookie the challenge
 * is bound to), lets the browser and authenticator answer, and posts the answer back.
 */
import { useEffect } from "react";
import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication } from "@simplewebauthn/browser";
import { passkeys, type ApiError } from "@/lib/client/client";

export type PasskeyOutcome = { ok: true } | { ok: false; error: ApiError | null };

const CANCELLED: ApiError = {
  code: "invalid_passkey",
  message: "No passkey was used. Try again, or sign in with your password.",
  status: 0,
  retryAfterSeconds: null,
};

async function signInWith(useBrowserAutofill: boolean): Promise<PasskeyOutcome> {
  const options = await passkeys.signInOptions();
  if (!options.ok) return { ok: false, error: options.error };
  let response: Awaited<ReturnType<typeof startAuthentication>>;
  try {
    response = await startAuthentication({ optionsJSON: options.value.options, useBrowserAutofill });
  } catch {
    // cancelled, timed out, or (autofill) superseded by the button: nothing was sent
    return { ok: false, error: useBrowserAutofill ? null : CANCELLED };
  }
  const result = await passkeys.signIn({ response });
  return result.ok ? { ok: true } : { ok: false, error: result.error };
}

export function passkeysSupported(): boolean {
  return typeof window !== "undefined" && browserSupportsWebAuthn();
}

export function signInWithPasskey(): Promise<PasskeyOutcome> {
  return signInWith(false);
}

/** Offers passkeys in the autofill of the field marked autocomplete="… webauthn", while mounted. */
export function usePasskeyAutofill(onDone: (outcome: PasskeyOutcome) => void): void {
  useEffect(() => {
    let live = true;
    void browserSupportsWebAuthnAutofill().then((supported) => {
      if (!supported || !live) return;
      void signInWith(true).then((outcome) => {
        if (live && (outcome.ok || outcome.error)) onDone(outcome);
      });
    });
    return () => {
      live = false;
    };
  }, [onDone]);
}
