import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSession } from "@/app/_lib/session";
import { safeReturnTo } from "@/app/_lib/return-to";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in · Portcullis" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnTo((await searchParams).returnTo);
  if (await getSession()) redirect(returnTo);
  return (
    <main id="main" className="narrow">
      <h1>Sign in</h1>
      <SignInForm returnTo={returnTo} />
    </main>
  );
}
