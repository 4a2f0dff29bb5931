/**
 * Session authentication for route handlers. The session token is read from the session
 * cookie or an `Authorization: Bearer <id.secret>` header, never from the URL or the body
 * (checklist #27). A session flagged for rotation (a role change) is swapped for a new id on
 * this request, and the new cookie goes out with the response.
 */
import type { z } from "zod";
import type { RequestContext } from "@/lib/http/context";
import type { Failure } from "@/lib/http/response";
import { readBody } from "./parse";
import { clearCookie, cookieName, readCookie, serializeCookie } from "@/lib/http/cookies";
import { err, ok, type Result } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/audit/audit";
import {
  SESSION_COOKIE,
  cookieMaxAgeSeconds,
  isRecentlyAuthenticated,
  rotateSession,
  validateSessionToken,
  type IssuedSession,
  type ValidSession,
} from "@/lib/sessions/sessions";

export interface Authenticated extends ValidSession {
  /** A Set-Cookie value to send with the response, when the session was rotated. */
  readonly setCookie: string | null;
}

export function sessionCookieName(ctx: RequestContext): string {
  return cookieName(SESSION_COOKIE, ctx.config.secureCookies);
}

export function sessionTokenFrom(request: Request, ctx: RequestContext): string | null {
  const auth = request.headers.get("authorization");
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  return readCookie(request, sessionCookieName(ctx));
}

export function sessionCookie(ctx: RequestContext, issued: IssuedSession): string {
  return serializeCookie(sessionCookieName(ctx), issued.token, {
    maxAgeSeconds: cookieMaxAgeSeconds(issued.session, ctx.now),
    secure: ctx.config.secureCookies,
  });
}

export function clearSessionCookie(ctx: RequestContext): string {
  return clearCookie(sessionCookieName(ctx), ctx.config.secureCookies);
}

export interface AuthOptions {
  /** Demand a re-authentication within REAUTH_WINDOW_SECONDS (403 reauth_required). */
  readonly reauth?: boolean;
}

export async function authenticate(request: Request, ctx: RequestContext, options: AuthOptions = {}): Promise<Result<Authenticated>> {
  const token = sessionTokenFrom(request, ctx);
  if (!token) return err("unauthenticated");
  const valid = await validateSessionToken(ctx.db, token, ctx.now, ctx.config);
  if (!valid) return err("unauthenticated");
  if (options.reauth && !isRecentlyAuthenticated(valid.session, ctx.now, ctx.config.REAUTH_WINDOW_SECONDS)) return err("reauth_required");
  if (!valid.session.rotatePending) return ok({ ...valid, setCookie: null });
  const issued = await ctx.db.transaction(async (tx) => {
    const next = await rotateSession(tx, valid.session, { now: ctx.now, ip: ctx.ip, userAgent: ctx.userAgent }, ctx.config);
    await recordAuditEvent(tx, {
      type: "session.rotated",
      result: "success",
      actor: ctx.actor,
      actorId: valid.user.id,
      targetId: valid.user.id,
      sessionId: next.session.id,
      now: ctx.now,
      details: { previousSessionId: valid.session.id, reason: "privilege_change" },
    });
    return next;
  });
  return ok({ session: issued.session, user: valid.user, setCookie: sessionCookie(ctx, issued) });
}

/** Adds the rotated-session cookie, if any, to a response. */
export function withAuthCookie(response: Response, auth: Authenticated): Response {
  if (auth.setCookie) response.headers.append("Set-Cookie", auth.setCookie);
  return response;
}

/** The body (validated first: a malformed request is a 400 even when signed out) and the session. */
export async function readBodyWithSession<S extends z.ZodType>(
  request: Request,
  ctx: RequestContext,
  schema: S,
  options: AuthOptions = {},
): Promise<{ ok: true; input: z.infer<S>; auth: Authenticated } | ({ ok: false } & Exclude<Failure, string>)> {
  const input = await readBody(request, schema);
  if (!input.ok) return input;
  const auth = await authenticate(request, ctx, options);
  if (!auth.ok) return auth;
  return { ok: true, input: input.value, auth: auth.value };
}
