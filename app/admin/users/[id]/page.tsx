import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireAdminPage } from "@/app/_lib/admin-page";
import { UUID_PATTERN } from "@/lib/admin/search-params";
import { AdminNav } from "../../admin-nav";
import { UserDetail } from "./user-detail";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "User · Administration · Portcullis" };

export default async function AdminUserPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!UUID_PATTERN.test(id)) notFound();
  const { userId, permissions, mfaEnabled } = await requireAdminPage("users:read", PAGES.adminUser(id));
  return (
    <main id="main">
      <h1>User</h1>
      <AdminNav current="users" />
      <UserDetail id={id} self={id === userId} permissions={permissions} mfaEnabled={mfaEnabled} />
    </main>
  );
}
