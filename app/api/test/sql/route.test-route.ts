/**
 * TEST HOOK, in the test build only: the `.test-route.ts` extension is a page extension only
 * when PORTCULLIS_BUILD=test (next.config.ts), so no other build contains this file. Runs one
 * parameterised statement against the server's database, so HTTP tests can make white-box
 * checks (hashes stored, families revoked, audit rows, the mail outbox) whatever the driver.
 */
import { z } from "zod";
import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { fail, json } from "@/lib/http/response";

const body = z.object({ text: z.string().min(1).max(20000), values: z.array(z.unknown()).max(100).default([]) });

export const POST = route(
  async (request, ctx) => {
    if (process.env.PORTCULLIS_TEST_BUILD !== "1") return fail("not_found");
    const input = await readBody(request, body);
    if (!input.ok) return fail(input);
    const result = await ctx.db.query({ text: input.value.text, values: input.value.values });
    return json({ rows: result.rows, rowCount: result.rowCount });
  },
  { crossOrigin: true },
);
