import { z } from "zod";

// An explicit confirmation: an empty or stray request never deletes anything.
export const body = z.object({ confirm: z.literal(true) }).strict();
