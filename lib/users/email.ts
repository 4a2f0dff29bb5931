/**
 * Email identifiers. Stored as typed (citext compares case-insensitively; "+tags" are kept and
 * distinct). The subject hash, SHA-256 of the trimmed lower-cased address, keys per-identifier
 * counters and audit rows without storing addresses of accounts that do not exist.
 */
import { z } from "zod";
import { sha256Hex } from "../crypto/digest";

export const emailSchema = z.string().trim().max(254).pipe(z.email());

export function subjectHash(email: string): string {
  return sha256Hex(email.trim().toLowerCase());
}
