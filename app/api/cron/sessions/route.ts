import { cronRoute } from "@/app/_lib/cron";
import { batchSpread } from "@/lib/maintenance/cleanup";
import { runSessionCleanup } from "@/lib/maintenance/cleanup";
import { deliverConfiguredMail } from "@/lib/email/delivery";
import { evaluateSecurityAlerts } from "@/lib/alerts/notify";
import { deliverDueWebhooks } from "@/lib/alerts/webhook";

/**
 * Every five minutes (vercel.json): expired, idle and long-revoked sessions; security alerts
 * raised and queued (lib/alerts/notify.ts); then mail and alert webhooks due for a (re)try.
 */
export const GET = cronRoute(async (ctx) => {
  const batches: { size: number; rows: number; ms: number }[] = [];
  const deleted = await runSessionCleanup(ctx.db, ctx.now, ctx.actor, {
    batchTargetMs: ctx.config.CLEANUP_BATCH_TARGET_MS,
    dutyPercent: ctx.config.CLEANUP_DUTY_PERCENT,
    onBatch: (batch) => batches.push(batch),
  });
  const alerts = await evaluateSecurityAlerts(ctx.db, ctx.config, ctx.now, ctx.actor);
  return {
    deleted,
    batches: batchSpread(batches),
    alerts: { ...alerts, webhook: await deliverDueWebhooks(ctx.db, ctx.config, ctx.now, ctx.actor) },
    mail: await deliverConfiguredMail(ctx.db, ctx.config, ctx.now),
  };
});
