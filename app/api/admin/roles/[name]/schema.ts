import { z } from "zod";
import { roleName } from "@/lib/admin/role-input";

export { roleEditBody as body } from "@/lib/admin/role-input";

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ name: roleName });
