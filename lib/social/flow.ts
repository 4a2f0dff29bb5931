/**
 * The flow cookie: what the callback must find again to accept a provider's answer.
 *
 * Model: the start route draws a state (CSRF for the callback), a PKCE verifier (the code is
 * useless without it) and a nonce (binds the ID token to this attempt), and seals them with
 * the provider, the purpose (sign-in or link), the linking session and an expiry into one
 * AES-256-GCM envelope (lib/crypto/envelope.ts, the TOTP key ring, context "social-flow"). The
 * envelope goes to the browser as an HttpOnly, SameSite=Lax cookie (Lax: the provider's
 * redirect back is a top-level GET) that lives SOCIAL_FLOW_TTL_SECONDS, and only the state
 * travels through the provider. The callback clears the cookie whatever happens, so a flow is
 * used once.
 *
 * Threats: login CSRF and code injection (another browser's state or code: its cookie is not
 * here), tampering (GCM tag), replay (single-use cookie, single-use code at the provider),
 * stale flows (expiry inside the envelope, not only in Max-Age).
 */
import { z } from "zod";
import { openEnvelope, sealEnvelope, type KeyRing } from "../crypto/envelope";
import type { SocialProviderId } from "./providers";

export const SOCIAL_FLOW_COOKIE = "portcullis_social_flow";
const CONTEXT = "social-flow";

const flowSchema = z.object({
  provider: z.enum(["google", "microsoft", "github", "oidc"]),
  state: z.string().min(16).max(128),
  nonce: z.string().min(16).max(128),
  codeVerifier: z.string().min(43).max(128),
  purpose: z.enum(["sign_in", "link"]),
  /** The session that asked to link (link only): the callback must come back to it. */
  sessionId: z.string().min(1).max(100).nullable(),
  returnTo: z.string().max(2048),
  expiresAt: z.number().int(),
});

export type SocialFlow = z.infer<typeof flowSchema> & { provider: SocialProviderId };

export async function sealFlow(flow: SocialFlow, ring: KeyRing): Promise<string> {
  return sealEnvelope(new TextEncoder().encode(JSON.stringify(flow)), CONTEXT, ring);
}

/** The flow in the cookie, or null when it is missing, forged, tampered with or expired. */
export async function openFlow(cookie: string | null, ring: KeyRing, now: Date): Promise<SocialFlow | null> {
  if (!cookie || cookie.length > 4096) return null;
  const plaintext = await openEnvelope(cookie, CONTEXT, ring);
  if (!plaintext) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    return null;
  }
  const parsed = flowSchema.safeParse(value);
  if (!parsed.success || parsed.data.expiresAt <= now.getTime()) return null;
  return parsed.data;
}
