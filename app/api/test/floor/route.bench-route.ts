/**
 * BENCHMARK FLOOR, only in the bench and test builds (the `.bench-route.ts` extension is a page
 * extension only there, next.config.ts), and off unless PORTCULLIS_BENCH_FLOOR=1 (which config
 * refuses on Vercel): the
 * least a Next.js route handler can do for a session check, so `npm run bench:sessions` can
 * measure what GET /api/auth/session costs above Next.js itself. One primary-key SELECT on
 * sessions by the id part of the session cookie, on the app's own pool, and a small JSON body;
 * deliberately none of Portcullis's work (no route() wrapper, no hash compare, no join, no
 * expiry logic). The SQL sits here, not in a queries.ts, because this statement exists only as
 * the benchmark's yardstick. Without the flag it answers 404 like any unknown route.
 */
import { config } from "@/lib/config";
import { getDb, sql } from "@/lib/db";
import { cookieName, readCookie } from "@/lib/http/cookies";
import { fail, json } from "@/lib/http/response";
import { SESSION_COOKIE } from "@/lib/sessions/sessions";

export async function GET(request: Request): Promise<Response> {
  const cfg = config();
  if (!cfg.PORTCULLIS_BENCH_FLOOR) return fail("not_found");
  const id = readCookie(request, cookieName(SESSION_COOKIE, cfg.secureCookies))?.split(".")[0] ?? "";
  const db = await getDb();
  const { rows } = await db.query<{ id: string }>(sql`SELECT id, user_id, last_activity_at FROM sessions WHERE id = ${id}`);
  return json({ found: rows.length === 1 });
}
