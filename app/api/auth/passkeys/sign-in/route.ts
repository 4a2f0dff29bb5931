import { route } from "@/app/_lib/route";
import { readBody } from "@/app/_lib/parse";
import { sessionCookie } from "@/app/_lib/auth";
import { clearPasskeyCookie, readPasskeyCookie } from "@/app/_lib/passkey-cookie";
import { json, resultError } from "@/lib/http/response";
import { finishPasskeySignIn } from "@/lib/accounts/passkey-sign-in";
import { publicSession, publicUser } from "@/lib/sessions/views";
import { body } from "./schema";

/** Signs in with a passkey's assertion: a new aal2 session (amr ["hwk","mfa"]). */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return input.response;
  const bindingToken = readPasskeyCookie(request, ctx);
  const result = await finishPasskeySignIn(
    ctx.db,
    { response: input.value.response, bindingToken, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  // the challenge is spent either way: the pre-authentication cookie goes too
  if (!result.ok) {
    const refused = resultError(result);
    refused.headers.append("Set-Cookie", clearPasskeyCookie(ctx));
    return refused;
  }
  const headers = new Headers();
  headers.append("Set-Cookie", clearPasskeyCookie(ctx));
  headers.append("Set-Cookie", sessionCookie(ctx, result.value.issued));
  const { user, issued } = result.value;
  return json({ status: "signed_in", user: publicUser(user), session: publicSession(issued.session, issued.session.id) }, { headers });
});
