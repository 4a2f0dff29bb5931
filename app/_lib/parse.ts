/** Body parsing for route handlers: a failed parse is a failure to `fail()` with (4xx, field issues). */
import type { z } from "zod";
import { parseJson, type ParseFailure } from "@/lib/http/parse";

export type Parsed<T> = { ok: true; value: T } | ParseFailure;

export function readBody<S extends z.ZodType>(request: Request, schema: S): Promise<Parsed<z.infer<S>>> {
  return parseJson(request, schema);
}

/** A body that may be left out entirely (no Content-Type): then `fallback` stands in for it. */
export async function readOptionalBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  fallback: z.infer<S>,
): Promise<Parsed<z.infer<S>>> {
  if (request.headers.get("content-type") === null) return { ok: true, value: fallback };
  return readBody(request, schema);
}
