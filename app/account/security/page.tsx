import type { Metadata } from "next";
import { requirePageSession } from "@/app/_lib/account-page";
import { config } from "@/lib/config";
import { errorCatalogue, messageOf, type ErrorCode } from "@/lib/errors";
import { AccountNav } from "../account-nav";
import { SessionsPanel } from "./sessions-panel";
import { MfaPanel } from "./mfa-panel";
import { DevicesPanel } from "./devices-panel";
import { PasskeysPanel } from "./passkeys-panel";
import { ConsentsPanel } from "./consents-panel";
import { LinkedAccountsPanel } from "./linked-accounts-panel";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Security · Portcullis" };

/** The outcome of a provider link, from the callback's redirect (?linked= or ?error=). */
function linkMessage(params: Record<string, string | string[] | undefined>) {
  const error = params.error;
  if (typeof error === "string" && error in errorCatalogue) return { text: messageOf(error as ErrorCode), tone: "error" as const };
  if (typeof params.linked === "string" && /^[a-z]{2,20}$/.test(params.linked))
    return { text: "The sign-in is linked.", tone: "success" as const };
  return null;
}

export default async function SecurityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { mfaEnabled } = await requirePageSession(PAGES.accountSecurity);
  const initialMessage = linkMessage(await searchParams);
  return (
    <main id="main">
      <h1>Security</h1>
      <AccountNav current="security" />
      <MfaPanel enabled={mfaEnabled} />
      {config().socialProviders.length > 0 && <LinkedAccountsPanel mfaEnabled={mfaEnabled} initialMessage={initialMessage} />}
      <PasskeysPanel mfaEnabled={mfaEnabled} />
      <SessionsPanel />
      {mfaEnabled && <DevicesPanel />}
      <ConsentsPanel />
    </main>
  );
}
