/**
 * Function-level authorisation for route handlers and server components (checklist #62).
 *
 *   const auth = await requirePermission(request, ctx, "users:write", { reauth: true });
 *   if (!auth.ok) return fail(auth);
 *   ...
 *   return withAuthCookie(json(...), auth.value);
 *
 * Order: no valid session -> 401 unauthenticated; a session without the permission -> 403
 * forbidden, with an authz.denied audit row (who, what permission, which route); an aal1
 * session whose permission comes only from a require_mfa role -> 403 mfa_enrolment_required
 * or step_up_required (lib/rbac/permissions.ts), audited the same way; with the
 * permission but outside the re-authentication window when `reauth` is asked -> 403
 * reauth_required (only someone who may act is asked to re-authenticate). Permissions come
 * from the database on every call (lib/rbac/permissions.ts), so a demotion applies at once.
 * Object-level checks (this session belongs to that user) stay in the SQL of each action.
 * A session waiting for rotation (a role change) is rotated before the permission check, so
 * a refusal carries the new cookie too (fail()): a demoted user is refused, not signed out.
 */
import { headers } from "next/headers";
import { config } from "@/lib/config";
import { getDb, type Queryable } from "@/lib/db";
import { err, ok, type ErrorCode, type Result } from "@/lib/errors";
import type { Actor, RequestContext } from "@/lib/http/context";
import { clientIpFromHeaders } from "@/lib/http/client-ip";
import type { Failure } from "@/lib/http/response";
import { randomToken } from "@/lib/crypto/random";
import { recordAuditEvent } from "@/lib/audit/audit";
import { gatePermission, type Permission } from "@/lib/rbac/permissions";
import { findUserRoles } from "@/lib/rbac/queries";
import { secondStepMethods } from "@/lib/mfa/status";
import { isRecentlyAuthenticated, type ValidSession } from "@/lib/sessions/sessions";
import type { z } from "zod";
import type { AdminAction } from "@/lib/admin/action";
import { parseUuid } from "@/lib/admin/search-params";
import { readOptionalBody } from "./parse";
import { authenticate, type Authenticated } from "./auth";
import { getSession } from "./session";

export interface Authorized extends Authenticated {
  readonly permissions: readonly string[];
  /** Who is acting and from where, for the audit rows of the action. */
  readonly actor: Actor;
}

/** The admin action context lib/admin functions take: who acts, from which session, when. */
export function adminAction(auth: Authorized, now: Date): AdminAction {
  return { adminId: auth.user.id, sessionId: auth.session.id, actor: auth.actor, now };
}

export interface PermissionOptions {
  /** Demand a re-authentication within REAUTH_WINDOW_SECONDS (destructive actions). */
  readonly reauth?: boolean;
}

const PATH_MAX = 200;
const USER_AGENT_MAX = 512;

/**
 * The session's permissions when they include `permission`; otherwise the refusal, audited as
 * authz.denied: forbidden, or (a require_mfa role grants it and the session is aal1)
 * mfa_enrolment_required / step_up_required.
 */
async function permitted(
  q: Queryable,
  session: ValidSession,
  permission: Permission,
  where: { actor: Actor; now: Date; route: string },
): Promise<Result<readonly string[]>> {
  const gate = gatePermission(await findUserRoles(q, session.user.id), session.session.aal, permission);
  if (gate.kind === "granted") return ok(gate.permissions);
  const error: ErrorCode =
    gate.kind === "denied"
      ? "forbidden"
      : (await secondStepMethods(q, session.user.id)).length > 0
        ? "step_up_required"
        : "mfa_enrolment_required";
  await recordAuditEvent(q, {
    type: "authz.denied",
    result: "failure",
    actor: where.actor,
    actorId: session.user.id,
    targetId: null,
    sessionId: session.session.id,
    now: where.now,
    details: { permission, route: where.route.slice(0, PATH_MAX), ...(error === "forbidden" ? {} : { reason: error }) },
  });
  return err(error);
}

export type Refused = { readonly ok: false; readonly error: ErrorCode; readonly setCookie: string | null };

export async function requirePermission(
  request: Request,
  ctx: RequestContext,
  permission: Permission,
  options: PermissionOptions = {},
): Promise<{ readonly ok: true; readonly value: Authorized } | Refused> {
  const auth = await authenticate(request, ctx);
  if (!auth.ok) return { ok: false, error: auth.error, setCookie: null };
  const setCookie = auth.value.setCookie;
  const route = `${request.method} ${new URL(request.url).pathname}`;
  const permissions = await permitted(ctx.db, auth.value, permission, { actor: ctx.actor, now: ctx.now, route });
  if (!permissions.ok) return { ok: false, error: permissions.error, setCookie };
  if (options.reauth && !isRecentlyAuthenticated(auth.value.session, ctx.now, ctx.config.REAUTH_WINDOW_SECONDS)) {
    return { ok: false, error: "reauth_required", setCookie };
  }
  return { ok: true, value: { ...auth.value, permissions: permissions.value, actor: ctx.actor } };
}

/**
 * The server-component variant: the signed-in user if they hold `permission`.
 * unauthenticated / forbidden (audited) otherwise. Server components cannot set cookies, so
 * a session waiting for rotation is rotated by the next route-handler request instead.
 *
 *   const access = await requirePagePermission("users:read", "/admin/users");
 *   if (!access.ok) redirect(access.error === "unauthenticated" ? "/login" : "/");
 */
export async function requirePagePermission(
  permission: Permission,
  page: string,
): Promise<Result<ValidSession & { permissions: readonly string[] }>> {
  const current = await getSession();
  if (!current) return err("unauthenticated");
  const incoming = await headers();
  const actor: Actor = {
    ip: clientIpFromHeaders(incoming, config().clientIpSource),
    userAgent: incoming.get("user-agent")?.slice(0, USER_AGENT_MAX) ?? null,
    requestId: randomToken(12),
  };
  const permissions = await permitted(await getDb(), current, permission, { actor, now: new Date(), route: `PAGE ${page}` });
  if (!permissions.ok) return permissions;
  return ok({ ...current, permissions: permissions.value });
}

export interface AdminCommand<T> {
  readonly ok: true;
  readonly auth: Authorized;
  readonly targetId: string;
  readonly input: T;
  readonly action: AdminAction;
}

/**
 * The common head of an admin action on one account: the permission with a recent
 * re-authentication, then the (optional) body, then the target's id from the URL.
 */
export async function adminCommand<S extends z.ZodType>(
  request: Request,
  ctx: RequestContext,
  rawId: unknown,
  permission: Permission,
  schema: S,
  fallback: z.infer<S>,
): Promise<AdminCommand<z.infer<S>> | ({ ok: false } & Exclude<Failure, string>)> {
  const auth = await requirePermission(request, ctx, permission, { reauth: true });
  if (!auth.ok) return auth;
  const setCookie = auth.value.setCookie;
  const input = await readOptionalBody(request, schema, fallback);
  if (!input.ok) return { ...input, setCookie };
  const id = parseUuid(rawId);
  if (!id.ok) return { ...id, setCookie };
  return { ok: true, auth: auth.value, targetId: id.value, input: input.value, action: adminAction(auth.value, ctx.now) };
}
