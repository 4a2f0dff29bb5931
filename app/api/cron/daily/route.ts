import { cronRoute } from "@/app/_lib/cron";
import { runDailyMaintenance } from "@/lib/maintenance/cleanup";

/** Daily (vercel.json): tokens, rate limits, throttles, outbox, audit partitions and audit retention. */
export const GET = cronRoute(async (ctx) => runDailyMaintenance(ctx.db, ctx.now, ctx.actor, ctx.config));
