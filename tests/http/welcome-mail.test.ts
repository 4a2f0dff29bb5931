/**
 * The welcome mail states the verification link's real lifetime (issue 10 item 16): a second
 * `next start` of the same build runs with EMAIL_VERIFICATION_TTL_SECONDS=5400 (and its own
 * in-memory PGlite database), and the mail it queues at sign-up says "90 minutes".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { openSync } from "node:fs";
import { join } from "node:path";
import { buildEnv } from "../support/build";
import { GOOD_PASSWORD, uniqueEmail } from "../support/http";
import { TEST_APP_URL, TEST_CRON_SECRET, TEST_ORIGIN } from "../support/env";

const ROOT = process.cwd();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("welcome mail with EMAIL_VERIFICATION_TTL_SECONDS=5400", () => {
  let child: ChildProcess | null = null;
  let base = "";

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const log = openSync(join(ROOT, ".data", `test-server-ttl-${inject("runId")}.log`), "w");
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...buildEnv("test"),
      NODE_ENV: "production",
      APP_URL: TEST_APP_URL,
      CRON_SECRET: TEST_CRON_SECRET,
      BREACHED_PASSWORD_API_URL: inject("breachApiUrl"),
      MAIL_TRANSPORT: "outbox",
      PGLITE_DATA_DIR: "memory://",
      EMAIL_VERIFICATION_TTL_SECONDS: "5400",
      POSTGRES_URL: undefined,
      DATABASE_URL: undefined,
      PORTCULLIS_DB_DRIVER: undefined,
    };
    const server = spawn(
      process.execPath,
      [join(ROOT, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"],
      {
        env: env as NodeJS.ProcessEnv,
        stdio: ["ignore", log, log],
      },
    );
    child = server;
    // generous: an in-memory PGlite migrating on a loaded 2-core machine can take minutes
    const deadline = Date.now() + 210_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
      const status = await fetch(`${base}/api/health`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`server not healthy (last status ${status})`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 240_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("says the link is valid for 90 minutes, not 24 hours", async () => {
    const email = uniqueEmail("ttl");
    const reg = await fetch(`${base}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: TEST_ORIGIN, "x-real-ip": "10.88.0.1" },
      body: JSON.stringify({ email, password: GOOD_PASSWORD }),
    });
    expect(reg.status).toBe(201);
    const res = await fetch(`${base}/api/test/sql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "SELECT text_body FROM mail_outbox WHERE to_address = $1 AND template = 'welcome'", values: [email] }),
    });
    const { rows } = (await res.json()) as { rows: { text_body: string }[] };
    expect(rows).toHaveLength(1);
    expect(rows[0]!.text_body).toContain("valid for 90 minutes");
    expect(rows[0]!.text_body).not.toContain("24 hours");
  });
});
