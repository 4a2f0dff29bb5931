import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { authenticate, sessionCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { confirmEmailToken } from "@/lib/accounts/email-verification";
import { body } from "./schema";

/**
 * Confirms an address with the token from an emailed link: a verification link (the address
 * becomes verified) or an email-change link (the account moves to the new address). Other
 * sessions end; the caller's own session, if it sent one, is re-issued under a new id.
 */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const auth = await authenticate(request, ctx);
  const current = auth.ok ? { session: auth.value.session, user: auth.value.user } : null;
  const result = await confirmEmailToken(ctx.db, { token: input.value.token, current, now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  const { kind, issued } = result.value;
  return json({ status: kind }, issued ? { headers: { "Set-Cookie": sessionCookie(ctx, issued) } } : {});
});
