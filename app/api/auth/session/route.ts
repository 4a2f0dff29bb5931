import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { publicSession, publicUser } from "@/lib/sessions/views";

/** The signed-in user and the current session, or 401 unauthenticated. */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  return withAuthCookie(
    json({ user: publicUser(auth.value.user), session: publicSession(auth.value.session, auth.value.session.id) }),
    auth.value,
  );
});
