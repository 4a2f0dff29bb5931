/**
 * Query-string parsing for the admin GET routes: URLSearchParams -> a zod-validated object.
 * A repeated parameter is refused rather than silently picking one value.
 */
import type { z } from "zod";
import { err, ok, type Result } from "../errors";
import type { FieldIssue } from "../http/parse";

export type QueryFailure = { ok: false; error: "invalid_request"; issues: FieldIssue[] };

export function parseSearchParams<S extends z.ZodType>(url: string, schema: S): { ok: true; value: z.infer<S> } | QueryFailure {
  const params = new URL(url).searchParams;
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in raw) return { ok: false, error: "invalid_request", issues: [{ path: key, message: "repeated" }] };
    raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: "invalid_request", issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.code })) };
  }
  return { ok: true, value: parsed.data };
}

/** A user id: any UUID (accounts imported from elsewhere may not be version 4). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A route parameter that must be a UUID (a user id): anything else is simply not found. */
export function parseUuid(value: unknown): Result<string> {
  return typeof value === "string" && UUID_PATTERN.test(value) ? ok(value.toLowerCase()) : err("not_found");
}
