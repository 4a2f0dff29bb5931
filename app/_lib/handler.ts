/**
 * The handler wrapper every route handler goes through (route(handler)):
 *  - state-changing methods: CSRF origin check (403 cross_site_request) and JSON-only bodies
 *    (415 unsupported_media_type) before anything else runs;
 *  - a request context (database, clock, client IP, user agent, request id);
 *  - unexpected errors become 500 internal_error (503 database_unavailable when the database
 *    cannot be reached), logged as one JSON line with the request id, never a stack trace in
 *    the response;
 *  - queued mail is delivered after the response when the SMTP transport is on.
 */
import { after } from "next/server";
import { config } from "@/lib/config";
import { contextFor, type RequestContext } from "@/lib/http/context";
import { isAllowedOrigin } from "@/lib/http/origin";
import { isJsonContentType } from "@/lib/http/parse";
import { json, fail } from "@/lib/http/response";
import { DatabaseUnavailableError } from "@/lib/db";
import { AsyncLocalStorage } from "node:async_hooks";
import { HasherBusyError, observeHashes } from "@/lib/passwords/hasher";
import { SessionEndedError } from "@/lib/sessions/sessions";
import { randomToken } from "@/lib/crypto/random";
import { deliverConfiguredMail } from "@/lib/email/delivery";

type Params = Record<string, string | string[] | undefined>;
export type Handler<P extends Params> = (request: Request, ctx: RequestContext, params: P) => Promise<Response>;

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const DATABASE_RETRY_AFTER_SECONDS = 5;

// Test build only (PORTCULLIS_TEST_BUILD is inlined by `next build`; the production build has
// none of this): counts the password hashes each request started, reported in the
// x-test-password-hashes response header (a spy that proves a request hashed nothing).
const hashesOfRequest = new AsyncLocalStorage<{ count: number }>();
let observing = false;

function withHashCount(run: () => Promise<Response>): Promise<Response> {
  if (!observing) {
    observeHashes(() => {
      const store = hashesOfRequest.getStore();
      if (store) store.count++;
    });
    observing = true;
  }
  const store = { count: 0 };
  return hashesOfRequest.run(store, async () => {
    const response = await run();
    response.headers.set("x-test-password-hashes", String(store.count));
    return response;
  });
}

export interface RouteOptions {
  /** Skip the CSRF origin check (cron routes, authenticated by a bearer secret, not cookies). */
  readonly crossOrigin?: boolean;
}

function logError(requestId: string, error: unknown): void {
  const e = error as Error;
  console.error(JSON.stringify({ level: "error", requestId, name: e?.name, message: String(e?.message ?? error).slice(0, 500) }));
}

/**
 * Runs `work` after the response has been sent (Next.js after()), then delivers queued mail when
 * the SMTP transport is on; a failure is logged with the request id. For work that must not
 * change how long the response takes, such as the account-specific part of a request whose
 * answer must not reveal whether an account exists (issue 10 item 11).
 */
export function afterResponse(ctx: RequestContext, work: () => Promise<void>): void {
  after(() =>
    work()
      .then(() => deliverConfiguredMail(ctx.db, ctx.config, ctx.now))
      .then(
        () => undefined,
        (e: unknown) => logError(ctx.requestId, e),
      ),
  );
}

export function route<P extends Params = Params>(handler: Handler<P>, options: RouteOptions = {}) {
  return async (request: Request, segment?: { params: Promise<P> }): Promise<Response> => {
    // generated here, never taken from the client: it is written into audit rows
    const requestId = randomToken(12);
    if (MUTATING.has(request.method) && !options.crossOrigin) {
      if (!isAllowedOrigin(request, config().origins)) return fail("cross_site_request", { headers: { "X-Request-Id": requestId } });
      const type = request.headers.get("content-type");
      if (type !== null && !isJsonContentType(type)) return fail("unsupported_media_type", { headers: { "X-Request-Id": requestId } });
    }
    try {
      const ctx = await contextFor(request, requestId);
      const params = segment ? await segment.params : ({} as P);
      const response =
        process.env.PORTCULLIS_TEST_BUILD === "1"
          ? await withHashCount(() => handler(request, ctx, params))
          : await handler(request, ctx, params);
      response.headers.set("X-Request-Id", ctx.requestId);
      if (ctx.config.mailTransport === "smtp") {
        after(() =>
          deliverConfiguredMail(ctx.db, ctx.config, ctx.now).then(
            () => undefined,
            (e: unknown) => logError(ctx.requestId, e),
          ),
        );
      }
      return response;
    } catch (error) {
      // a session ended while this request rotated it: the request acted for nobody (rolled back)
      if (error instanceof SessionEndedError) return fail("unauthenticated", { headers: { "X-Request-Id": requestId } });
      logError(requestId, error);
      if (error instanceof DatabaseUnavailableError)
        return fail(
          { error: "database_unavailable", retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
          { headers: { "X-Request-Id": requestId } },
        );
      if (error instanceof HasherBusyError)
        return fail({ error: "service_busy", retryAfterSeconds: 5 }, { headers: { "X-Request-Id": requestId } });
      return json(
        { error: { code: "internal_error", message: "Something went wrong.", requestId } },
        { status: 500, headers: { "X-Request-Id": requestId } },
      );
    }
  };
}
