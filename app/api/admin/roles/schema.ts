export { newRoleBody as body } from "@/lib/admin/role-input";
