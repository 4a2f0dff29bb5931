import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { publicProviders } from "@/lib/social/providers";
import { signInMethods } from "@/lib/social/social";
import { publicIdentity } from "@/lib/social/views";

/** The caller's linked identities, whether it has a password, and the providers this site offers. */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const methods = await signInMethods(ctx.db, auth.value.user.id);
  return withAuthCookie(
    json({
      providers: publicProviders(ctx.config.socialProviders),
      accounts: methods.identities.map(publicIdentity),
      hasPassword: methods.hasPassword,
    }),
    auth.value,
  );
});
