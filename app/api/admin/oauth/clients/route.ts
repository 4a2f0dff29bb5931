import { route } from "@/app/_lib/handler";
import { readBody } from "@/app/_lib/parse";
import { requirePermission } from "@/app/_lib/authorize";
import { withAuthCookie } from "@/app/_lib/auth";
import { json, fail } from "@/lib/http/response";
import { createClient, listAllClients } from "@/lib/oauth/clients";
import { body } from "./schema";

/** The registered OpenID Connect clients (never a secret or its hash). Needs clients:manage. */
export const GET = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "clients:manage");
  if (!auth.ok) return fail(auth);
  return withAuthCookie(json({ clients: await listAllClients(ctx.db) }), auth.value);
});

/**
 * Registers a client. A confidential client's secret is in this response only (store it now).
 * Needs clients:manage and a recent re-authentication.
 */
export const POST = route(async (request, ctx) => {
  const auth = await requirePermission(request, ctx, "clients:manage", { reauth: true });
  if (!auth.ok) return fail(auth);
  const input = await readBody(request, body);
  if (!input.ok) return fail(input);
  const by = { actor: ctx.actor, actorId: auth.value.user.id, sessionId: auth.value.session.id, now: ctx.now };
  const created = await createClient(ctx.db, input.value, by);
  return withAuthCookie(json({ client: created.client, clientSecret: created.secret }, { status: 201 }), auth.value);
});
