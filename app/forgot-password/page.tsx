import type { Metadata } from "next";
import { connection } from "next/server";
import { config } from "@/lib/config";
import { captchaWidget } from "@/lib/captcha/widget";
import { CaptchaScript } from "@/app/_components/captcha-script";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot your password · Portcullis" };

export default async function ForgotPasswordPage() {
  await connection();
  const captcha = captchaWidget(config());
  return (
    <main id="main" className="narrow">
      <h1>Forgot your password?</h1>
      {captcha && <CaptchaScript src={captcha.scriptUrl} />}
      <ForgotPasswordForm captchaSiteKey={captcha?.siteKey ?? null} />
    </main>
  );
}
