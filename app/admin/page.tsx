import type { Metadata } from "next";
import { requireAdminPage } from "@/app/_lib/admin-page";
import { AdminNav } from "./admin-nav";
import { UserSearch } from "./user-search";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Administration · Portcullis" };

export default async function AdminPage() {
  await requireAdminPage("users:read", PAGES.admin);
  return (
    <main id="main">
      <h1>Administration</h1>
      <AdminNav current="users" />
      <UserSearch />
    </main>
  );
}
