import { z } from "zod";
import { text } from "@/lib/http/text";

export const body = z.object({ token: text().min(1).max(256), password: z.string().min(1).max(4096) });
