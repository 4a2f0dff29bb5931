import { z } from "zod";

/** Path parameters; anything else is simply not found (404). */
export const pathParams = z.object({ id: z.string().uuid() });
