import type { Metadata } from "next";
import { config } from "@/lib/config";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create an account · Portcullis" };
export const dynamic = "force-dynamic";

export default function SignUpPage() {
  const cfg = config();
  return (
    <main id="main" className="narrow">
      <h1>Create an account</h1>
      <SignUpForm minLength={cfg.PASSWORD_MIN_LENGTH} maxLength={cfg.PASSWORD_MAX_LENGTH} />
    </main>
  );
}
