import { route } from "@/app/_lib/handler";
import { adminAction, requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { parseUuid } from "@/lib/admin/search-params";
import { listUserSessions, revokeAllUserSessions } from "@/lib/admin/user-sessions";
import { publicSession } from "@/lib/sessions/views";

/** An account's live sessions: ids and metadata, never token material. Needs users:read. */
export const GET = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "users:read");
  if (!auth.ok) return fail(auth);
  const id = parseUuid(params.id);
  if (!id.ok) return fail(id);
  const sessions = await listUserSessions(ctx.db, id.value, ctx.now);
  if (!sessions.ok) return fail(sessions);
  return withAuthCookie(json({ sessions: sessions.value.map((s) => publicSession(s, auth.value.session.id)) }), auth.value);
});

/** Ends every session (and refresh family) of the account. Needs sessions:revoke and a recent re-authentication. */
export const DELETE = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "sessions:revoke", { reauth: true });
  if (!auth.ok) return fail(auth);
  const id = parseUuid(params.id);
  if (!id.ok) return fail(id);
  const action = adminAction(auth.value, ctx.now);
  const result = await revokeAllUserSessions(ctx.db, id.value, action);
  if (!result.ok) return fail(result);
  return withAuthCookie(json({ revoked: result.value.revoked }), auth.value);
});
