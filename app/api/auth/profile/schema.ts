import { z } from "zod";
import { text } from "@/lib/http/text";

// An empty or blank name clears it, as register leaves it unset.
export const body = z
  .object({
    name: text()
      .trim()
      .max(200)
      .nullable()
      .transform((n) => (n ? n : null)),
  })
  .strict();
