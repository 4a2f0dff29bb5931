import { route } from "@/app/_lib/handler";
import { authenticate, clearSessionCookie, withAuthCookie } from "@/app/_lib/auth";
import { noContent, fail } from "@/lib/http/response";
import { revokeOwnSessionById } from "@/lib/sessions/sign-out";
import { pathParams } from "./schema";

/** Revokes one of the caller's sessions: 204; another user's (audited authz.denied) or unknown id: 404. */
export const DELETE = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return fail(auth);
  const id = pathParams.shape.id.safeParse(params.id);
  if (
    !id.success ||
    !(await revokeOwnSessionById(ctx.db, auth.value.user.id, id.data, {
      now: ctx.now,
      actor: ctx.actor,
      currentSessionId: auth.value.session.id,
    }))
  ) {
    return fail("not_found");
  }
  const response = noContent();
  if (id.data === auth.value.session.id) response.headers.append("Set-Cookie", clearSessionCookie(ctx));
  return withAuthCookie(response, auth.value);
});
