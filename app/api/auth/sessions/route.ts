import { route } from "@/app/_lib/handler";
import { authenticate, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { listLiveSessions } from "@/lib/sessions/queries";
import { publicSession } from "@/lib/sessions/views";

/** The caller's live sessions: ids and metadata, never token material. */
export const GET = route(async (request, ctx) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const sessions = await listLiveSessions(ctx.db, auth.value.user.id, ctx.now);
  return withAuthCookie(json({ sessions: sessions.map((s) => publicSession(s, auth.value.session.id)) }), auth.value);
});
