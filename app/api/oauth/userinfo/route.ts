import { route } from "@/app/_lib/handler";
import { json } from "@/lib/http/response";
import { userInfo } from "@/lib/oauth/tokens";

function invalidToken(): Response {
  return json(
    { error: "invalid_token", error_description: "the access token is invalid, expired or revoked" },
    {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    },
  );
}

/** UserInfo (OpenID Connect Core §5.3): the claims the access token's scopes allow. */
async function handler(request: Request, ctx: Parameters<Parameters<typeof route>[0]>[1]): Promise<Response> {
  const header = request.headers.get("authorization");
  if (!header || !/^Bearer /i.test(header)) {
    return json({ error: "invalid_request" }, { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="portcullis"' } });
  }
  const claims = await userInfo(ctx.db, header.slice(7).trim(), ctx.now, ctx.config);
  return claims ? json(claims) : invalidToken();
}

export const GET = route(handler);
export const POST = route(handler, { crossOrigin: true });
