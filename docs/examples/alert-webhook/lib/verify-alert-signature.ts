/** Receiver side of Portcullis's security-alert webhook: checks the `Portcullis-Signature` header. */
import { createHmac, timingSafeEqual } from "node:crypto";

export function verifyAlertSignature(header: string, rawBody: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m || Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false; // refuse replays
  const expected = createHmac("sha256", secret).update(`${m[1]}.${rawBody}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, "hex"));
}
