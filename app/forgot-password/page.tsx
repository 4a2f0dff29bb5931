import type { Metadata } from "next";
import { connection } from "next/server";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot your password · Portcullis" };

export default async function ForgotPasswordPage() {
  await connection();
  return (
    <main id="main" className="narrow">
      <h1>Forgot your password?</h1>
      <ForgotPasswordForm />
    </main>
  );
}
