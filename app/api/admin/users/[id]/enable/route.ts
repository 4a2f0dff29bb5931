import { z } from "zod";
import { route } from "@/app/_lib/route";
import { readOptionalBody } from "@/app/_lib/parse";
import { adminAction, refusal, requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, resultError } from "@/lib/http/response";
import { parseUuid } from "@/lib/admin/search-params";
import { enableUser } from "@/lib/admin/users";

const body = z.object({}).strict();

/** Re-enables a disabled account (its old sessions stay ended). Needs users:write and a recent re-authentication. */
export const POST = route<{ id: string }>(async (request, ctx, params) => {
  const auth = await requirePermission(request, ctx, "users:write", { reauth: true });
  if (!auth.ok) return refusal(auth);
  const input = await readOptionalBody(request, body, {});
  if (!input.ok) return input.response;
  const id = parseUuid(params.id);
  if (!id.ok) return resultError(id);
  const result = await enableUser(ctx.db, id.value, adminAction(auth.value, ctx.now));
  if (!result.ok) return resultError(result);
  return withAuthCookie(json({ id: id.value, status: "active" }), auth.value);
});
