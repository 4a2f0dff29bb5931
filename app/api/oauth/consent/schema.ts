import { z } from "zod";

export const body = z.object({ query: z.string().min(1).max(8192), decision: z.enum(["allow", "deny"]) }).strict();
