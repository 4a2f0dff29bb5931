import type { Metadata } from "next";
import { requireAdminPage } from "@/app/_lib/admin-page";
import { AdminNav } from "../admin-nav";
import { AlertsView } from "./alerts-view";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Security alerts · Administration · Portcullis" };

export default async function AlertsPage() {
  await requireAdminPage("security:read", PAGES.adminAlerts);
  return (
    <main id="main">
      <h1>Security alerts</h1>
      <AdminNav current="alerts" />
      <AlertsView />
    </main>
  );
}
