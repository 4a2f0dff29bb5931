import { route } from "@/app/_lib/handler";
import { oauthError, readForm } from "@/app/_lib/oauth";
import { json } from "@/lib/http/response";
import { recordAuditEvent } from "@/lib/audit/audit";
import { authenticateClient } from "@/lib/oauth/clients";
import { clientCredentialsFrom } from "@/lib/oauth/client-auth";
import { exchangeToken, rateLimitToken } from "@/lib/oauth/tokens";

/**
 * The token endpoint (RFC 6749 §3.2): form-encoded, called by the client's server (or a public
 * client), so it is not subject to the cookie CSRF check and takes no cookie. Rate limited per IP.
 */
export const POST = route(
  async (request, ctx) => {
    const limited = await rateLimitToken(ctx.db, ctx.actor, ctx.now, ctx.config);
    if (limited) return oauthError(limited);
    const form = await readForm(request);
    if (!form) return oauthError({ error: "invalid_request", description: "send an application/x-www-form-urlencoded body" });
    const parsed = clientCredentialsFrom(request.headers.get("authorization"), form);
    if (!parsed.ok)
      return oauthError(
        { error: parsed.error, description: "client authentication failed" },
        /^Basic /i.test(request.headers.get("authorization") ?? ""),
      );
    const client = await authenticateClient(ctx.db, parsed.credentials);
    if (!client) {
      await recordAuditEvent(ctx.db, {
        type: "oauth.token.failure",
        result: "failure",
        actor: ctx.actor,
        now: ctx.now,
        details: { reason: "invalid_client", clientId: parsed.credentials.clientId.slice(0, 64), method: parsed.method },
      });
      return oauthError({ error: "invalid_client", description: "client authentication failed" }, parsed.method === "client_secret_basic");
    }
    const result = await exchangeToken(ctx.db, { client, form, now: ctx.now, actor: ctx.actor }, ctx.config);
    if (!result.ok) return oauthError(result.error);
    return json(result.value);
  },
  { crossOrigin: true },
);
