import { route } from "@/app/_lib/handler";
import { passkeyCookie } from "@/app/_lib/passkey-cookie";
import { json, fail } from "@/lib/http/response";
import { startPasskeySignIn } from "@/lib/accounts/passkey-sign-in";

/**
 * Request options for a passkey sign-in (no account named: discoverable credentials), with the
 * pre-authentication cookie the challenge is bound to. Limited per IP.
 */
export const POST = route(async (_request, ctx) => {
  const result = await startPasskeySignIn(ctx.db, { now: ctx.now, actor: ctx.actor }, ctx.config);
  if (!result.ok) return fail(result);
  const { options, bindingToken, expiresAt } = result.value;
  return json({ options }, { headers: { "Set-Cookie": passkeyCookie(ctx, bindingToken, expiresAt) } });
});
