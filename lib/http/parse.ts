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

export type ParseFailure = {
  ok: false;
  error: "unsupported_media_type" | "invalid_json" | "invalid_request" | "payload_too_large";
  issues?: FieldIssue[];
};

export async function parseJson<S extends z.ZodType>(request: Request, schema: S): Promise<{ ok: true; value: z.infer<S> } | ParseFailure> {
  if (!isJsonContentType(request.headers.get("content-type"))) return { ok: false, error: "unsupported_media_type" };
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return { ok: false, error: "payload_too_large" };
  const text = await readBodyText(request, MAX_BODY_BYTES);
  if (text === null) return { ok: false, error: "payload_too_large" };
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

/**
 * The body as UTF-8 text, or null once more than `maxBytes` arrived: the stream is read chunk by
 * chunk and cancelled at the limit, so a chunked body without Content-Length (or one that lies
 * about its length) never makes the server buffer more than the limit plus one chunk.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string | null> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Parses a route parameter (e.g. a session id from the URL) with zod. */
export function parseParam<S extends z.ZodType>(value: unknown, schema: S): Result<z.infer<S>> {
  const parsed = schema.safeParse(value);
  return parsed.success ? ok(parsed.data) : err("not_found");
}
