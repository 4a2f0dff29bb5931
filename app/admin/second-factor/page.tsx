import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { requirePageSession } from "@/app/_lib/account-page";
import { safeReturnTo } from "@/app/_lib/return-to";
import { StepUpForm } from "./step-up-form";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Two-step verification needed · Administration · Portcullis" };

/**
 * Where an /admin page sends a session that holds a role requiring MFA (roles.require_mfa) but
 * has not verified a second factor (aal1): enrol on /account/security, or confirm with the
 * password and a code (POST /api/auth/reauth) or with a passkey (POST /api/auth/reauth/passkey),
 * either of which steps the session up to aal2, then go back.
 */
export default async function SecondFactorPage({ searchParams }: { searchParams: Promise<{ returnTo?: string | string[] }> }) {
  const { returnTo } = await searchParams;
  const target = safeReturnTo(typeof returnTo === "string" ? returnTo : PAGES.admin);
  const current = await requirePageSession(`${PAGES.adminSecondFactor}?returnTo=${encodeURIComponent(target)}`);
  if (current.session.aal === 2) redirect(target);
  return (
    <main id="main">
      <h1>Two-step verification needed</h1>
      {current.mfaEnabled || current.hasPasskeys ? (
        <StepUpForm returnTo={target} totp={current.mfaEnabled} passkey={current.hasPasskeys} />
      ) : (
        <section className="card" aria-labelledby="enrol-title">
          <h2 id="enrol-title">Set up two-step verification first</h2>
          <p>
            Your role in the administration console needs a second factor: a passkey, or a code from an authenticator app as well as your
            password. Set one up on your security page, then come back here.
          </p>
          <p>
            <a className="button" href={PAGES.accountSecurity}>
              Set up two-step verification
            </a>
          </p>
        </section>
      )}
    </main>
  );
}
