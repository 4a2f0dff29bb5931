import { cronRoute } from "@/app/_lib/cron";
import { runSessionCleanup } from "@/lib/maintenance/cleanup";

/** Every five minutes (vercel.json): expired, idle and long-revoked sessions. */
export const GET = cronRoute(async (ctx) => ({
  deleted: await runSessionCleanup(ctx.db, ctx.now, ctx.actor),
}));
