/**
 * Request bodies: JSON only, at most 64 KiB, validated with zod. A body that is not JSON gets
 * 415, broken JSON 400 invalid_json, a shape zod rejects 400 invalid_request (with the field
 * paths, never the submitted values: a password must never be echoed).
 */
import type { z } from "zod";
import { err, ok, type Result } from "../errors";

export const MAX_BODY_BYTES = 64 * 1024;

export function isJsonContentType(value: string | null): boolean {
  return value !== null && /^application\/json\s*(;|$)/i.test(value.trim());
}

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export type ParseFailure = { ok: false; error: "unsupported_media_type" | "invalid_json" | "invalid_request" | "payload_too_large"; issues?: FieldIssue[] };

export async function parseJson<S extends z.ZodType>(request: Request, schema: S): Promise<{ ok: true; value: z.infer<S> } | ParseFailure> {
  if (!isJsonContentType(request.headers.get("content-type"))) return { ok: false, error: "unsupported_media_type" };
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return { ok: false, error: "payload_too_large" };
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return { ok: false, error: "payload_too_large" };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: "invalid_json" };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      error: "invalid_request",
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.code === "custom" ? i.message : i.code })),
    };
  }
  return { ok: true, value: parsed.data };
}

/** Parses a route parameter (e.g. a session id from the URL) with zod. */
export function parseParam<S extends z.ZodType>(value: unknown, schema: S): Result<z.infer<S>> {
  const parsed = schema.safeParse(value);
  return parsed.success ? ok(parsed.data) : err("not_found");
}
