import { route } from "@/app/_lib/handler";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { alertThresholds, findSecurityAlerts } from "@/lib/admin/alerts";

/**
 * What the detection functions find over the last ALERT_WINDOW_MINUTES: brute force, credential
 * stuffing, one account from many IPs, refresh-token reuse. Needs security:read.
 */
export const GET = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "security:read");
  if (!auth.ok) return fail(auth);
  const alerts = await findSecurityAlerts(ctx.db, ctx.now, alertThresholds(ctx.config));
  return withAuthCookie(json(alerts), auth.value);
});
