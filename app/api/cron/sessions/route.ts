import { cronRoute } from "@/app/_lib/cron";
import { runSessionCleanup } from "@/lib/maintenance/cleanup";
import { deliverConfiguredMail } from "@/lib/email/delivery";

/** Every five minutes (vercel.json): expired, idle and long-revoked sessions; mail due for a retry. */
export const GET = cronRoute(async (ctx) => ({
  deleted: await runSessionCleanup(ctx.db, ctx.now, ctx.actor),
  mail: await deliverConfiguredMail(ctx.db, ctx.config, ctx.now),
}));
