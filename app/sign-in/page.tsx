import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSession } from "@/app/_lib/session";
import { safeReturnTo } from "@/app/_lib/return-to";
import { config } from "@/lib/config";
import { errorCatalogue, messageOf, type ErrorCode } from "@/lib/errors";
import { publicProviders } from "@/lib/social/providers";
import { captchaWidget } from "@/lib/captcha/widget";
import { CaptchaScript } from "@/app/_components/captcha-script";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in · Portcullis" };

/** A social sign-in that came back with an error (?error=code from the callback): its catalogue message. */
function errorMessage(raw: unknown): string | null {
  return typeof raw === "string" && raw.startsWith("social_") && raw in errorCatalogue ? messageOf(raw as ErrorCode) : null;
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const returnTo = safeReturnTo(params.returnTo);
  if (await getSession()) redirect(returnTo);
  const captcha = captchaWidget(config());
  return (
    <main id="main" className="narrow">
      <h1>Sign in</h1>
      {captcha && <CaptchaScript src={captcha.scriptUrl} />}
      <SignInForm
        returnTo={returnTo}
        providers={publicProviders(config().socialProviders)}
        socialError={errorMessage(params.error)}
        captchaSiteKey={captcha?.siteKey ?? null}
        emailCodes={config().EMAIL_SIGN_IN_CODES}
      />
    </main>
  );
}
