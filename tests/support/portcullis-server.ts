/**
 * A second Portcullis server for the tests that need their own configuration: the key
 * rollover test (JWT_SIGNING_KEYS with a key that activates while a client runs) and the
 * browser tests, whose issuer must be the address the browser and the other site really use
 * (APP_URL = http://127.0.0.1:<port>, so cookies are not Secure-only and no host is faked).
 * The same test build as the main test server (`next start`), embedded PGlite in memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { openSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { usingPglite } from "./env";
import { NEXT_BIN, buildEnv } from "./build";

const ROOT = process.cwd();

/** The browser and second-site tests run once, in the PGlite pass (they start their own PGlite servers anyway). */
export const runsOnce = usingPglite;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface StartedServer {
  readonly url: string;
  /** APP_URL: `url`, or the same port on localhost (startPortcullis options.appHost). */
  readonly appUrl: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
  /** White-box SQL through the server's test hook. */
  sql<T = any>(text: string, values?: unknown[]): Promise<T[]>;
}

export async function waitHealthy(url: string, child: ChildProcess, path = "/api/health", timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    const status = await fetch(`${url}${path}`, { redirect: "manual" }).then(
      (r) => r.status,
      () => 0,
    );
    if (status > 0 && status < 500) return;
    if (Date.now() > deadline) throw new Error(`${url}: not healthy (last status ${status})`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  return exited;
}

/**
 * `next start` of the test build on 127.0.0.1:`port` with exactly `env` (NODE_ENV production),
 * its output in .data/test-server-<name>-<run>.log; resolves once /api/health answers.
 */
export async function startNextServer(
  name: string,
  port: number,
  env: Record<string, string | undefined>,
  timeoutMs = 240_000,
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(join(ROOT, ".data", `test-server-${name}-${inject("runId")}.log`), "w");
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...env, NODE_ENV: "production" } as NodeJS.ProcessEnv,
    stdio: ["ignore", log, log],
  });
  try {
    await waitHealthy(url, child, "/api/health", timeoutMs);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { url, child, stop: () => stopChild(child) };
}

/**
 * `appHost: "localhost"` serves APP_URL as http://localhost:<port> (the server still listens on
 * 127.0.0.1, which `url` names): WebAuthn refuses IP-address origins, and localhost is a secure
 * context, so a browser test of passkeys opens `appUrl`.
 */
export async function startPortcullis(
  name: string,
  env: Record<string, string> = {},
  options: { appHost?: "127.0.0.1" | "localhost" } = {},
): Promise<StartedServer> {
  const port = await freePort();
  const appUrl = `http://${options.appHost ?? "127.0.0.1"}:${port}`;
  const { url, child, stop } = await startNextServer(name, port, {
    ...process.env,
    ...buildEnv("test"),
    PGLITE_DATA_DIR: "memory://",
    POSTGRES_URL: "",
    DATABASE_URL: "",
    PORTCULLIS_DB_DRIVER: "pglite",
    APP_URL: appUrl,
    MAIL_TRANSPORT: "outbox",
    BREACHED_PASSWORD_API_URL: inject("breachApiUrl"),
    ...env,
  });
  return {
    url,
    appUrl,
    child,
    stop,
    async sql<T>(text: string, values: unknown[] = []): Promise<T[]> {
      const res = await fetch(`${url}/api/test/sql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text, values }),
      });
      const body = (await res.json()) as { rows: T[] };
      if (res.status !== 200) throw new Error(`test sql failed: ${JSON.stringify(body)}`);
      return body.rows;
    },
  };
}
