/** A route handler verifies again (no network round trip once the keys are cached): proxy.ts alone is not the authorization. */
import { verifier } from "@/lib/access-token-verifier";

export async function GET(request: Request): Promise<Response> {
  const verdict = await verifier.verifyRequest(request);
  if (!verdict.ok) {
    const status = verdict.reason === "unavailable" ? 503 : 401;
    return Response.json({ error: { code: verdict.reason } }, { status });
  }
  return Response.json({ userId: verdict.claims.sub, roles: verdict.claims.roles, aal: verdict.claims.aal });
}
