import { route } from "@/app/_lib/handler";
import { oauthError, readForm } from "@/app/_lib/oauth";
import { json } from "@/lib/http/response";
import { authenticateClient } from "@/lib/oauth/clients";
import { clientCredentialsFrom } from "@/lib/oauth/client-auth";
import { revokeForClient } from "@/lib/oauth/tokens";

/**
 * Token revocation (RFC 7009): a refresh token ends its family (if it was issued to the
 * calling client). 200 whatever the token was (§2.2): no oracle for which tokens are live.
 * Access tokens are short-lived JWTs and cannot be revoked one by one; revoking the refresh
 * token ends the family, and UserInfo refuses the family's access tokens from then on.
 */
export const POST = route(
  async (request, ctx) => {
    const form = await readForm(request);
    if (!form) return oauthError({ error: "invalid_request", description: "send an application/x-www-form-urlencoded body" });
    const parsed = clientCredentialsFrom(request.headers.get("authorization"), form);
    if (!parsed.ok)
      return oauthError(
        { error: parsed.error, description: "client authentication failed" },
        /^Basic /i.test(request.headers.get("authorization") ?? ""),
      );
    const client = await authenticateClient(ctx.db, parsed.credentials);
    if (!client)
      return oauthError({ error: "invalid_client", description: "client authentication failed" }, parsed.method === "client_secret_basic");
    const token = form.get("token");
    if (!token) return oauthError({ error: "invalid_request", description: "token is required" });
    const result = await revokeForClient(ctx.db, client, token.slice(0, 4096), ctx.now, ctx.actor, ctx.config);
    if (!result.ok) return oauthError(result.error);
    return json({});
  },
  { crossOrigin: true },
);
