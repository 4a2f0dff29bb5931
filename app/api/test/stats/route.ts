/**
 * TEST HOOK, off unless PORTCULLIS_TEST_HOOKS=1: process counters tests use to prove that
 * work did NOT happen (an over-long password is refused without computing a hash).
 */
import { route } from "@/app/_lib/route";
import { json, jsonError } from "@/lib/http/response";
import { hashPool } from "@/lib/passwords/hasher";

export const GET = route(async (_request, ctx) => {
  if (!ctx.config.PORTCULLIS_TEST_HOOKS) return jsonError("not_found");
  return json({ passwordHashes: (await hashPool()).count });
});
