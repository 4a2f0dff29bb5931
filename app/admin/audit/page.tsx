import type { Metadata } from "next";
import { requireAdminPage } from "@/app/_lib/admin-page";
import { AdminNav } from "../admin-nav";
import { AuditSearch } from "./audit-search";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Audit log · Administration · Portcullis" };

export default async function AuditPage() {
  await requireAdminPage("audit:read", PAGES.adminAudit);
  return (
    <main id="main">
      <h1>Audit log</h1>
      <AdminNav current="audit" />
      <AuditSearch />
    </main>
  );
}
