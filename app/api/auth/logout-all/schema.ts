import { z } from "zod";

export const body = z.object({ keepCurrent: z.boolean().default(false) }).strict();
