"use client";
/**
 * The second sign-in step answered with a passkey: options for the MFA challenge (only the
 * account's passkeys are allowed), the browser's and authenticator's answer, posted back with the
 * challenge. Starting it aborts a pending autofill request of the password step (one WebAuthn
 * ceremony at a time, @simplewebauthn/browser).
 */
import { startAuthentication } from "@simplewebauthn/browser";
import { passkeys, type ApiError } from "@/lib/client/client";

const CANCELLED: ApiError = {
  code: "invalid_passkey",
  message: "No passkey was used. Try again, or use another way to verify.",
  status: 0,
  retryAfterSeconds: null,
};

export async function answerWithPasskey(challenge: string, trustDevice: boolean): Promise<{ ok: true } | { ok: false; error: ApiError }> {
  const options = await passkeys.secondStepOptions({ challenge });
  if (!options.ok) return options;
  let response: Awaited<ReturnType<typeof startAuthentication>>;
  try {
    response = await startAuthentication({ optionsJSON: options.value.options });
  } catch {
    // cancelled or timed out: nothing was sent
    return { ok: false, error: CANCELLED };
  }
  const result = await passkeys.completeSecondStep({ challenge, response, trustDevice });
  return result.ok ? { ok: true } : result;
}
