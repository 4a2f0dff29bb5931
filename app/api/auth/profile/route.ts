import { route } from "@/app/_lib/handler";
import { readBodyWithSession, withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { updateProfile } from "@/lib/accounts/profile";
import { publicUser } from "@/lib/sessions/views";
import { body } from "./schema";

/** Updates the signed-in user's display name; answers with the updated public user. */
export const POST = route(async (request, ctx) => {
  const parsed = await readBodyWithSession(request, ctx, body);
  if (!parsed.ok) return fail(parsed);
  const { input, auth } = parsed;
  await updateProfile(ctx.db, { userId: auth.user.id, sessionId: auth.session.id, name: input.name, now: ctx.now, actor: ctx.actor });
  return withAuthCookie(json({ user: publicUser({ ...auth.user, name: input.name }) }), auth);
});
