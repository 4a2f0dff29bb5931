/** `proxy.ts` at the site's root: only requests with a valid Portcullis access token reach /api/private. */
import { type NextRequest, NextResponse } from "next/server";
import { verifier } from "@/lib/access-token-verifier";

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const verdict = await verifier.verifyRequest(request);
  if (!verdict.ok) {
    if (verdict.reason === "unavailable") {
      return NextResponse.json({ error: { code: "auth_unavailable" } }, { status: 503, headers: { "Retry-After": "5" } });
    }
    // "expired": the client refreshes (POST /api/auth/token/refresh) and retries.
    const error = verdict.reason === "expired" ? 'error="invalid_token", error_description="expired"' : 'error="invalid_token"';
    return NextResponse.json({ error: { code: verdict.reason } }, { status: 401, headers: { "WWW-Authenticate": `Bearer ${error}` } });
  }
  // Pass the verified identity on; set() replaces any value the client sent itself.
  const headers = new Headers(request.headers);
  headers.set("x-user-id", verdict.claims.sub);
  headers.set("x-user-roles", verdict.claims.roles.join(","));
  headers.set("x-user-aal", String(verdict.claims.aal));
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/api/private/:path*"] };
