/**
 * What every route handler knows about its request: the database, the time, the client's IP
 * and user agent, and a request id that ties the response, the logs and the audit rows together.
 *
 * Test hooks (PORTCULLIS_TEST_HOOKS=1, refused on Vercel): the `x-test-now` header sets the
 * request's clock (milliseconds since the epoch), so tests move time without sleeping.
 */
import { config, type Config } from "../config";
import { getDb, type Db } from "../db";
import { randomToken } from "../crypto/random";
import { clientIp } from "./client-ip";

export interface RequestContext {
  readonly db: Db;
  readonly config: Config;
  readonly now: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string;
  /** ip, user agent and request id together: what audit-writing lib functions take. */
  readonly actor: Actor;
}

/** Who did something and from where: passed to audit-writing lib functions. */
export interface Actor {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string;
}

const USER_AGENT_MAX = 512;

export function requestNow(request: Request, cfg: Config): Date {
  if (cfg.PORTCULLIS_TEST_HOOKS) {
    const header = request.headers.get("x-test-now");
    if (header && /^\d{1,15}$/.test(header)) return new Date(Number(header));
  }
  return new Date();
}

export async function contextFor(request: Request): Promise<RequestContext> {
  const cfg = config();
  const incoming = request.headers.get("x-request-id");
  const actor: Actor = {
    ip: clientIp(request, cfg.clientIpSource),
    userAgent: request.headers.get("user-agent")?.slice(0, USER_AGENT_MAX) ?? null,
    requestId: incoming && /^[A-Za-z0-9_-]{8,64}$/.test(incoming) ? incoming : randomToken(12),
  };
  return { db: await getDb(), config: cfg, now: requestNow(request, cfg), ...actor, actor };
}
