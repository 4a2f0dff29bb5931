/**
 * The shapes of WebAuthn responses as the browser sends them (PublicKeyCredential.toJSON(),
 * what @simplewebauthn/browser returns): base64url fields with bounds, so nothing unbounded or
 * oddly typed reaches the verifier. Unknown extra fields are dropped.
 */
import { z } from "zod";
import { text } from "../http/text";

const b64url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .max(max);
const credentialId = b64url(1366).min(16);
const transport = z.enum(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
const common = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};

export const registrationResponseSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    attestationObject: b64url(65536).min(1),
    authenticatorData: b64url(65536).optional(),
    publicKey: b64url(4096).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    transports: z.array(transport).max(8).optional(),
  }),
});

export const authenticationResponseSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    authenticatorData: b64url(65536).min(37),
    signature: b64url(2048).min(1),
    userHandle: b64url(128).optional(),
  }),
});

/** A passkey's name: what the user calls it on the security page. */
export const passkeyNameSchema = text().trim().min(1).max(64);
