import { route } from "@/app/_lib/handler";
import { authenticate, sessionCookie } from "@/app/_lib/auth";
import { clearFlowCookie, errorPath, readFlow, redirectTo } from "@/app/_lib/social";
import { loginDeviceCookie } from "@/app/_lib/login-device";
import { cookieName, readCookie } from "@/lib/http/cookies";
import { TRUSTED_DEVICE_COOKIE } from "@/lib/mfa/trusted-devices";
import { completeAuthorization, ProviderError } from "@/lib/social/identity";
import { findProvider } from "@/lib/social/providers";
import { linkIdentity, recordSocialFailure, signInWithIdentity } from "@/lib/social/social";
import { PAGES } from "@/lib/http/pages";

/**
 * The provider's redirect back. Always a 303 to a page (never a JSON error, never a 500 for
 * the provider's failures): to returnTo signed in, to /sign-in with the second step's
 * challenge in the fragment, or to /sign-in (or /account/security when linking) with an
 * error code the page shows. The flow cookie is cleared whatever the outcome: one use.
 */
export const GET = route<{ provider: string }>(async (request, ctx, params) => {
  const cleared = clearFlowCookie(ctx);
  const flow = await readFlow(request, ctx);
  const provider = findProvider(ctx.config.socialProviders, params.provider);
  const page = flow?.purpose === "link" ? PAGES.accountSecurity : PAGES.signIn;
  const fail = async (code: string, reason: string, userId?: string) => {
    await recordSocialFailure(ctx.db, { provider: provider?.id ?? null, reason, actor: ctx.actor, now: ctx.now, userId });
    return redirectTo(errorPath(page, code, flow?.returnTo), [cleared]);
  };
  if (!provider) return fail("social_sign_in_failed", "unknown_provider");
  if (!flow || flow.provider !== provider.id) return fail("social_flow_expired", flow ? "provider_mismatch" : "flow_missing");

  let identity: Awaited<ReturnType<typeof completeAuthorization>>;
  try {
    identity = await completeAuthorization(provider, ctx.config.APP_URL, new URL(request.url).search, flow);
  } catch (error) {
    const reason = error instanceof ProviderError ? error.reason : "provider_unreachable";
    return fail(reason === "access_denied" ? "social_access_denied" : "social_sign_in_failed", reason);
  }

  if (flow.purpose === "link") {
    // the link is for the session that started it, still signed in in this browser
    const auth = await authenticate(request, ctx);
    if (!auth.ok || auth.value.session.id !== flow.sessionId) return fail("social_flow_expired", "link_session_changed");
    const linked = await linkIdentity(ctx.db, {
      userId: auth.value.user.id,
      sessionId: auth.value.session.id,
      provider: provider.id,
      identity,
      now: ctx.now,
      actor: ctx.actor,
    });
    if (!linked.ok) return redirectTo(errorPath(page, linked.error), [cleared]);
    return redirectTo(`${PAGES.accountSecurity}?linked=${provider.id}`, auth.value.setCookie ? [cleared, auth.value.setCookie] : [cleared]);
  }

  const trustedDeviceToken = readCookie(request, cookieName(TRUSTED_DEVICE_COOKIE, ctx.config.secureCookies));
  const result = await signInWithIdentity(
    ctx.db,
    { provider: provider.id, identity, now: ctx.now, actor: ctx.actor, trustedDeviceToken },
    ctx.config,
  );
  if (!result.ok) return redirectTo(errorPath(page, result.error, flow.returnTo), [cleared]);
  const outcome = result.value;
  if (outcome.kind === "mfa_required") {
    // the challenge travels in the fragment: never sent to a server, taken off the address bar by the page
    const query = flow.returnTo === PAGES.home ? "" : `?returnTo=${encodeURIComponent(flow.returnTo)}`;
    return redirectTo(`${PAGES.signIn}${query}#challenge=${outcome.challenge.token}`, [cleared]);
  }
  const cookies = [cleared, sessionCookie(ctx, outcome.issued)];
  if (outcome.loginDevice) cookies.push(loginDeviceCookie(ctx, outcome.loginDevice));
  return redirectTo(flow.returnTo, cookies);
});
