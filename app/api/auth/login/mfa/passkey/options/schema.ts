import { text } from "@/lib/http/text";
import { z } from "zod";

export const body = z.object({ challenge: text().min(1).max(128) });
