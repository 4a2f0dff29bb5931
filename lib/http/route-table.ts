/**
 * The API's routes and their methods, as a table the proxy (proxy.ts) checks before Next.js
 * routes a request: an unknown /api path is a JSON 404 not_found, a method the route does not
 * export a JSON 405 method_not_allowed with `Allow`, and a path segment with malformed
 * percent-encoding a JSON 400 invalid_path (Next.js would answer those with an HTML page, an
 * empty 405 without headers, or a bare text 500). The table is built from app/ at build time
 * by next.config.ts (scanRouteTable) and inlined, so it cannot drift from the route files.
 */

export interface RouteTableEntry {
  /** Path segments as on disk: "api", "auth", "[id]"; "[...x]" matches one or more. */
  readonly segments: readonly string[];
  readonly methods: readonly string[];
}

export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function segmentsMatch(pattern: readonly string[], parts: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith("[[...")) return true;
    if (p.startsWith("[...")) return parts.length > i;
    if (i >= parts.length) return false;
    if (p.startsWith("[")) continue;
    if (p !== parts[i]) return false;
  }
  return parts.length === pattern.length;
}

/** The methods of the route serving `pathname` (still percent-encoded), or null if none does. */
export function methodsFor(table: readonly RouteTableEntry[], pathname: string): readonly string[] | null {
  const parts = pathname.split("/").filter((p) => p !== "");
  // a static segment beats a dynamic one, as in Next.js: try the most specific patterns first
  const ordered = [...table].sort((a, b) => dynamicCount(a) - dynamicCount(b));
  for (const entry of ordered) if (segmentsMatch(entry.segments, parts)) return entry.methods;
  return null;
}

function dynamicCount(entry: RouteTableEntry): number {
  return entry.segments.filter((s) => s.startsWith("[")).length;
}

/** True when every segment of the raw path decodes (no stray %, no invalid UTF-8). */
export function hasValidPercentEncoding(pathname: string): boolean {
  try {
    for (const part of pathname.split("/")) decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** `Allow` for a route: what it exports, plus HEAD (with GET) and OPTIONS, which Next.js adds. */
export function allowHeader(methods: readonly string[]): string {
  const allowed = [...methods];
  if (methods.includes("GET")) allowed.push("HEAD");
  allowed.push("OPTIONS");
  return allowed.join(", ");
}
