import { z } from "zod";

/** Path parameters: a configured provider's id (google, microsoft, github, oidc); any other is not found (404). */
export const pathParams = z.object({ provider: z.string() });
