import { route } from "@/app/_lib/handler";
import { json } from "@/lib/http/response";
import { publicJwks, signingKeys } from "@/lib/tokens/jwt";

/** JWKS_MAX_AGE_SECONDS: how long verifiers may cache the key set (a rotation waits at least this long). */
const JWKS_MAX_AGE_SECONDS = 300;

/** The public access-token signing keys (every configured key, with kid), cacheable. */
export const GET = route(async (_request, ctx) => {
  const response = json(publicJwks(await signingKeys(ctx.config)));
  // json() defaults to no-store for auth responses; public keys are meant to be cached.
  response.headers.set("Cache-Control", `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
  response.headers.delete("Pragma");
  response.headers.set("Access-Control-Allow-Origin", "*");
  return response;
});
