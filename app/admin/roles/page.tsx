import type { Metadata } from "next";
import { requireAdminPage } from "@/app/_lib/admin-page";
import { PERMISSIONS, WILDCARD } from "@/lib/rbac/permissions";
import { AdminNav } from "../admin-nav";
import { RolesEditor } from "./roles-editor";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Roles · Administration · Portcullis" };

export default async function AdminRolesPage() {
  const { permissions, mfaEnabled } = await requireAdminPage("users:read", PAGES.adminRoles);
  const canManage = permissions.includes(WILDCARD) || permissions.includes("roles:assign");
  return (
    <main id="main">
      <h1>Roles</h1>
      <AdminNav current="roles" />
      <RolesEditor known={[...PERMISSIONS, WILDCARD]} canManage={canManage} mfaEnabled={mfaEnabled} />
    </main>
  );
}
