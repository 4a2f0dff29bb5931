import { cronRoute } from "@/app/_lib/cron";
import { runDailyMaintenance } from "@/lib/maintenance/cleanup";
import { deliverConfiguredMail } from "@/lib/email/delivery";

/** Daily (vercel.json): tokens, rate limits, throttles, outbox, audit partitions and audit retention; mail due for a retry. */
export const GET = cronRoute(async (ctx) => ({
  ...(await runDailyMaintenance(ctx.db, ctx.now, ctx.actor, ctx.config)),
  mail: await deliverConfiguredMail(ctx.db, ctx.config, ctx.now),
}));
