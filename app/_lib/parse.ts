/** Body parsing for route handlers: a failed parse is a ready 4xx response. */
import type { z } from "zod";
import { parseJson } from "@/lib/http/parse";
import { jsonError } from "@/lib/http/response";

export async function readBody<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<{ ok: true; value: z.infer<S> } | { ok: false; response: Response }> {
  const parsed = await parseJson(request, schema);
  if (parsed.ok) return parsed;
  return { ok: false, response: jsonError(parsed.error, parsed.issues ? { details: parsed.issues } : {}) };
}

/** A body that may be left out entirely (no Content-Type): then `fallback` stands in for it. */
export async function readOptionalBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  fallback: z.infer<S>,
): Promise<{ ok: true; value: z.infer<S> } | { ok: false; response: Response }> {
  if (request.headers.get("content-type") === null) return { ok: true, value: fallback };
  return readBody(request, schema);
}
