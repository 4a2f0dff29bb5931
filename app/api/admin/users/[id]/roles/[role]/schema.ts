import { z } from "zod";
import { UUID_PATTERN } from "@/lib/admin/search-params";
import { roleName } from "@/lib/admin/role-input";

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().regex(UUID_PATTERN), role: roleName });
