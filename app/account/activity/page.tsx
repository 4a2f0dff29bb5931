import type { Metadata } from "next";
import { requirePageSession } from "@/app/_lib/account-page";
import { AccountNav } from "../account-nav";
import { ActivityList } from "./activity-list";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Activity · Portcullis" };

export default async function ActivityPage() {
  await requirePageSession(PAGES.accountActivity);
  return (
    <main id="main">
      <h1>Recent activity</h1>
      <AccountNav current="activity" />
      <p className="muted">
        Sign-ins, failed attempts and changes to your account&apos;s security, newest first. Something you do not recognise? Change your
        password and sign out everywhere.
      </p>
      <ActivityList />
    </main>
  );
}
