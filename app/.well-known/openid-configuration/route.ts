import { route } from "@/app/_lib/handler";
import { json } from "@/lib/http/response";
import { discoveryDocument } from "@/lib/oauth/discovery";

const DISCOVERY_MAX_AGE_SECONDS = 300;

/** OpenID Provider metadata (OpenID Connect Discovery 1.0 §3), public and cacheable. */
export const GET = route(async (_request, ctx) => {
  const response = json(discoveryDocument(ctx.config));
  response.headers.set("Cache-Control", `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`);
  response.headers.delete("Pragma");
  response.headers.set("Access-Control-Allow-Origin", "*");
  return response;
});
