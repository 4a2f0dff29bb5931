import { z } from "zod";
import { REFRESH_TOKEN_PATTERN } from "@/lib/tokens/refresh";

// A session token ("id.secret") does not have a refresh token's shape: 400 invalid_request.
export const body = z.object({ refreshToken: z.string().regex(REFRESH_TOKEN_PATTERN) }).strict();
