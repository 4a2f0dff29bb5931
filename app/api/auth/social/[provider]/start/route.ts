import { route } from "@/app/_lib/handler";
import { beginFlow, redirectTo } from "@/app/_lib/social";
import { safeReturnTo } from "@/app/_lib/return-to";
import { fail } from "@/lib/http/response";
import { findProvider } from "@/lib/social/providers";

/** "Continue with …": a 303 to the provider, with the sealed flow cookie (state, PKCE verifier, nonce). */
export const GET = route<{ provider: string }>(async (request, ctx, params) => {
  const provider = findProvider(ctx.config.socialProviders, params.provider);
  if (!provider) return fail("not_found");
  const returnTo = safeReturnTo(new URL(request.url).searchParams.get("returnTo"));
  const flow = await beginFlow(ctx, provider, "sign_in", null, returnTo);
  return redirectTo(flow.url, [flow.setCookie]);
});
