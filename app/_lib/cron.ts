/**
 * Cron routes: Vercel Cron sends GET with `Authorization: Bearer $CRON_SECRET`. Without a
 * configured secret the route refuses to run (503); a missing or wrong bearer gets 401.
 */
import type { RequestContext } from "@/lib/http/context";
import { hasBearerSecret } from "@/lib/http/bearer";
import { json, fail } from "@/lib/http/response";
import { route } from "./handler";

export function cronRoute(job: (ctx: RequestContext) => Promise<Record<string, unknown>>) {
  return route(
    async (request, ctx) => {
      if (!ctx.config.cronSecret) return fail("cron_not_configured");
      if (!hasBearerSecret(request, ctx.config.cronSecret)) return fail("cron_unauthorized");
      return json({ ok: true, ranAt: ctx.now.toISOString(), ...(await job(ctx)) });
    },
    { crossOrigin: true },
  );
}
