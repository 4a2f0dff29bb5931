import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { listUserPasskeys } from "@/lib/mfa/passkeys";

/** The caller's passkeys: names, dates, synced or not (never keys or credential ids). */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  return withAuthCookie(json({ passkeys: await listUserPasskeys(ctx.db, auth.value.user.id) }), auth.value);
});
