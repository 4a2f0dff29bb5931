import { z } from "zod";
import { text } from "@/lib/http/text";

export const body = z.object({ code: text().trim().min(1).max(16) });
