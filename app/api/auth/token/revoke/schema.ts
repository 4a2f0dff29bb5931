import { z } from "zod";
import { text } from "@/lib/http/text";

export const body = z.object({ refreshToken: text().min(1).max(512) }).strict();
