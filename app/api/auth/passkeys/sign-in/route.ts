import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { sessionCookie } from "@/app/_lib/auth";
import { signedInBody } from "@/app/_lib/sign-in";
import { clearPasskeyCookie, readPasskeyCookie } from "@/app/_lib/passkey-cookie";
import { json, fail } from "@/lib/http/response";
import { finishPasskeySignIn } from "@/lib/accounts/passkey-sign-in";
import { body } from "./schema";

/** Signs in with a passkey's assertion: a new aal2 session (amr ["hwk","mfa"]). */
export const POST = route(async (request, ctx) => {
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const bindingToken = readPasskeyCookie(request, ctx);
  const result = await finishPasskeySignIn(
    ctx.db,
    { response: input.value.response, bindingToken, now: ctx.now, actor: ctx.actor },
    ctx.config,
  );
  // the challenge is spent either way: the pre-authentication cookie goes too
  if (!result.ok) return fail(result, { headers: { "Set-Cookie": clearPasskeyCookie(ctx) } });
  const { user, issued } = result.value;
  const headers = new Headers();
  headers.append("Set-Cookie", clearPasskeyCookie(ctx));
  headers.append("Set-Cookie", sessionCookie(ctx, issued));
  return json(signedInBody(user, issued), { headers });
});
