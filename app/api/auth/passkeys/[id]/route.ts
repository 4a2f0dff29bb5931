import { route } from "@/app/_lib/handler";
import { authenticate, readBodyWithSession, sessionCookie, withAuthCookie } from "@/app/_lib/auth";
import { json, noContent, fail } from "@/lib/http/response";
import { removeUserPasskey, renameUserPasskey } from "@/lib/mfa/passkeys";
import { publicSession } from "@/lib/sessions/views";
import { body, pathParams } from "./schema";

/** Renames one of the caller's passkeys: 204; another user's (or unknown) id: 404. */
export const PATCH = route<{ id: string }>(async (request, ctx, params) => {
  const parsed = await readBodyWithSession(request, ctx, body);
  if (!parsed.ok) return fail(parsed);
  const id = pathParams.shape.id.safeParse(params.id);
  if (!id.success) return fail("not_found");
  const { auth } = parsed;
  const input = { session: auth.session, user: auth.user, now: ctx.now, actor: ctx.actor, id: id.data, name: parsed.input.name };
  const result = await renameUserPasskey(ctx.db, input);
  if (!result.ok) return fail(result);
  return withAuthCookie(noContent(), auth);
});

/**
 * Removes one of the caller's passkeys, inside the re-authentication window and at aal2 (as
 * TOTP's disable: an aal1 session gets 403 mfa_required whatever the id); ends the other
 * sessions and re-issues this one. Another user's (or unknown) id: 404.
 */
export const DELETE = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await authenticate(request, ctx, { reauth: true });
  if (!auth.ok) return fail(auth);
  const id = pathParams.shape.id.safeParse(params.id);
  const input = { session: auth.value.session, user: auth.value.user, now: ctx.now, actor: ctx.actor, id: id.success ? id.data : null };
  const result = await removeUserPasskey(ctx.db, input, ctx.config);
  if (!result.ok) return fail(result);
  const { issued, revokedSessions } = result.value;
  return json(
    { status: "removed", revokedSessions, session: publicSession(issued.session, issued.session.id) },
    { headers: { "Set-Cookie": sessionCookie(ctx, issued) } },
  );
});
