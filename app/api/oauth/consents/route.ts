import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { consentsOf } from "@/lib/oauth/consents";

/** The sites the signed-in person has allowed to sign them in, with the scopes (for /account/security). */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  return withAuthCookie(json({ consents: await consentsOf(ctx.db, auth.value.user.id) }), auth.value);
});
