import type { Metadata } from "next";
import { config } from "@/lib/config";
import { captchaWidget } from "@/lib/captcha/widget";
import { CaptchaScript } from "@/app/_components/captcha-script";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create an account · Portcullis" };
export const dynamic = "force-dynamic";

export default function SignUpPage() {
  const cfg = config();
  const captcha = captchaWidget(cfg);
  return (
    <main id="main" className="narrow">
      <h1>Create an account</h1>
      {captcha && <CaptchaScript src={captcha.scriptUrl} />}
      <SignUpForm minLength={cfg.PASSWORD_MIN_LENGTH} maxLength={cfg.PASSWORD_MAX_LENGTH} captchaSiteKey={captcha?.siteKey ?? null} />
    </main>
  );
}
