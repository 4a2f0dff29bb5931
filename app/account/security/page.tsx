import type { Metadata } from "next";
import { requirePageSession } from "@/app/_lib/account-page";
import { AccountNav } from "../account-nav";
import { SessionsPanel } from "./sessions-panel";
import { MfaPanel } from "./mfa-panel";
import { DevicesPanel } from "./devices-panel";
import { PasskeysPanel } from "./passkeys-panel";
import { ConsentsPanel } from "./consents-panel";

export const metadata: Metadata = { title: "Security · Portcullis" };

export default async function SecurityPage() {
  const { mfaEnabled } = await requirePageSession("/account/security");
  return (
    <main id="main">
      <h1>Security</h1>
      <AccountNav current="security" />
      <MfaPanel enabled={mfaEnabled} />
      <PasskeysPanel mfaEnabled={mfaEnabled} />
      <SessionsPanel />
      {mfaEnabled && <DevicesPanel />}
      <ConsentsPanel />
    </main>
  );
}
