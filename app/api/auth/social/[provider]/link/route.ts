import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { beginFlow } from "@/app/_lib/social";
import { json, fail } from "@/lib/http/response";
import { findProvider } from "@/lib/social/providers";
import { PAGES } from "@/lib/http/pages";

/**
 * Starts linking a provider to the signed-in, re-authenticated account: { url } for the page
 * to navigate to, and the flow cookie bound to this session (the callback links only for it).
 */
export const POST = route<{ provider: string }>(async (request, ctx, params) => {
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const provider = findProvider(ctx.config.socialProviders, params.provider);
  if (!provider) return fail("not_found");
  const flow = await beginFlow(ctx, provider, "link", auth.value.session.id, PAGES.accountSecurity);
  const response = json({ url: flow.url });
  response.headers.append("Set-Cookie", flow.setCookie);
  return withAuthCookie(response, auth.value);
});
