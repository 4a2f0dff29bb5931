/**
 * TEST HOOK, off unless PORTCULLIS_TEST_HOOKS=1 (which config refuses on Vercel): runs one
 * parameterised statement against the server's database, so HTTP tests can make white-box
 * checks (hashes stored, families revoked, audit rows, the mail outbox) whatever the driver.
 * Without the flag it answers 404 like any unknown route.
 */
import { z } from "zod";
import { route } from "@/app/_lib/route";
import { readBody } from "@/app/_lib/parse";
import { json, jsonError } from "@/lib/http/response";

const body = z.object({ text: z.string().min(1).max(20000), values: z.array(z.unknown()).max(100).default([]) });

export const POST = route(async (request, ctx) => {
  if (!ctx.config.PORTCULLIS_TEST_HOOKS) return jsonError("not_found");
  const input = await readBody(request, body);
  if (!input.ok) return input.response;
  const result = await ctx.db.query({ text: input.value.text, values: input.value.values });
  return json({ rows: result.rows, rowCount: result.rowCount });
}, { crossOrigin: true });
