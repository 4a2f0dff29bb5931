/**
 * Checks `Authorization: Bearer <secret>` against a configured secret in constant time.
 * An unset secret never matches (no "Bearer undefined").
 */
import { timingSafeEqual } from "../crypto/digest";

export function hasBearerSecret(request: Request, secret: string | null): boolean {
  if (!secret) return false;
  const header = request.headers.get("authorization") ?? "";
  const presented = header.startsWith("Bearer ") ? header.slice(7) : "";
  return timingSafeEqual(presented, secret);
}
