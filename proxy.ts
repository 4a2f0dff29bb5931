/**
 * Runs before Next.js routes a request.
 *
 * API paths (/api/*, /.well-known/*): a path segment with malformed percent-encoding is a JSON
 * 400 invalid_path, an unknown path a JSON 404 not_found, a method the route does not export a
 * JSON 405 method_not_allowed with `Allow`; each with the security headers and a fresh
 * X-Request-Id (lib/http/route-table.ts). Everything else reaches the route handler, whose
 * responses carry a strict `default-src 'none'` policy from lib/http/response.ts.
 *
 * Pages: Content-Security-Policy with a fresh nonce per request: Next.js puts the nonce on its
 * own inline bootstrap scripts (it reads the policy from the request headers), so no
 * 'unsafe-inline' script is ever allowed (lib/http/csp.ts; the CAPTCHA widget's origins only
 * while the CAPTCHA is on).
 */
import { NextResponse, type NextRequest } from "next/server";
import { allowHeader, hasValidPercentEncoding, methodsFor, type RouteTableEntry } from "@/lib/http/route-table";
import { fail } from "@/lib/http/response";
import { randomToken } from "@/lib/crypto/random";
import { pageContentSecurityPolicy } from "@/lib/http/csp";
import { captchaCspSources } from "@/lib/captcha/widget";
import { config as appConfig } from "@/lib/config";

// inlined at build time by next.config.ts
const ROUTE_TABLE: readonly RouteTableEntry[] = JSON.parse(process.env.PORTCULLIS_ROUTE_TABLE ?? "[]");

function nonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/") || pathname.startsWith("/.well-known/");
}

function apiRefusal(request: NextRequest): Response | null {
  const { pathname } = request.nextUrl;
  const headers = { "X-Request-Id": randomToken(12) };
  if (!hasValidPercentEncoding(pathname)) return fail("invalid_path", { headers });
  const methods = methodsFor(ROUTE_TABLE, pathname);
  if (methods === null) return fail("not_found", { headers });
  // HEAD and OPTIONS are answered by Next.js itself (HEAD from GET, OPTIONS with Allow)
  if (request.method === "HEAD" || request.method === "OPTIONS" || methods.includes(request.method)) return null;
  return fail("method_not_allowed", { headers: { ...headers, Allow: allowHeader(methods) } });
}

export function proxy(request: NextRequest): Response {
  if (isApiPath(request.nextUrl.pathname)) return apiRefusal(request) ?? NextResponse.next();
  const value = nonce();
  const policy = pageContentSecurityPolicy(value, captchaCspSources(appConfig()));
  const headers = new Headers(request.headers);
  headers.set("x-nonce", value);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

// API requests with a chunked body, or a declared one of 100000 bytes or more, skip the proxy:
// Next.js buffers the whole body of any request its proxy sees (to hand it on afterwards),
// which would defeat the 64 KiB cap the route handlers enforce while reading
// (lib/http/parse.ts). Those get Next.js's own answers for the cases above
// (docs/errors-and-requests.md); a declared length is bounded by the HTTP parser itself.
// (The matcher must be literal: Next.js reads it statically.)
export const config = {
  matcher: [
    { source: "/((?!api|_next/static|_next/image|favicon.ico|\\.well-known).*)" },
    {
      source: "/api/:path*",
      missing: [
        { type: "header", key: "transfer-encoding" },
        { type: "header", key: "content-length", value: "\\d{6,}" },
      ],
    },
    {
      source: "/api",
      missing: [
        { type: "header", key: "transfer-encoding" },
        { type: "header", key: "content-length", value: "\\d{6,}" },
      ],
    },
    {
      source: "/.well-known/:path*",
      missing: [
        { type: "header", key: "transfer-encoding" },
        { type: "header", key: "content-length", value: "\\d{6,}" },
      ],
    },
  ],
};
