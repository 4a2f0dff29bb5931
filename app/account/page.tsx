import type { Metadata } from "next";
import { requirePageSession } from "@/app/_lib/account-page";
import { AccountNav } from "./account-nav";
import { ProfileForm } from "./profile-form";
import { EmailPanel } from "./email-panel";
import { PasswordForm } from "./password-form";
import { SignOutPanel } from "./sign-out-panel";
import { DeleteAccountPanel } from "./delete-account-panel";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Your account · Portcullis" };

export default async function AccountPage() {
  const { user, mfaEnabled } = await requirePageSession(PAGES.account);
  return (
    <main id="main">
      <h1>Your account</h1>
      <AccountNav current="account" />
      <ProfileForm name={user.name} />
      <EmailPanel email={user.email} verified={user.emailVerified} mfaEnabled={mfaEnabled} />
      <PasswordForm />
      <SignOutPanel mfaEnabled={mfaEnabled} />
      <DeleteAccountPanel mfaEnabled={mfaEnabled} />
    </main>
  );
}
