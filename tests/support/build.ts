/**
 * The two Next.js builds the suite runs (docs/security/test-hooks.md), each in its own folder:
 *  - the test build (PORTCULLIS_BUILD=test): test routes and headers compiled in; the shared
 *    server (tests/setup/global.ts) and the extra servers some files start run it;
 *  - the production build (`npm run build`): what a deployer runs; tests/http/test-hooks.test.ts
 *    starts it to prove the hooks are absent.
 * A build is made again when a source is newer than it, unless PORTCULLIS_PREBUILT=1 (CI builds
 * both first).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = process.cwd();
export const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");

export type BuildName = "test" | "production";

/** NEXT_DIST_DIR (parallel runs) names the test build's folder; the production one sits beside it. */
export function distDirOf(build: BuildName): string {
  const base = process.env.NEXT_DIST_DIR;
  if (build === "test") return base || ".next-test";
  return base ? `${base}-production` : ".next";
}

/** Environment for `next build` / `next start` of a build (next.config.ts reads both). */
export function buildEnv(build: BuildName): Record<string, string> {
  return { NEXT_DIST_DIR: distDirOf(build), PORTCULLIS_BUILD: build, ...serverCoverageEnv() };
}

/**
 * npm run test:coverage (scripts/coverage.ts): with PORTCULLIS_SERVER_COVERAGE_DIR set, every
 * server the tests start (each spreads buildEnv) writes V8 coverage there when it exits.
 */
function serverCoverageEnv(): Record<string, string> {
  const dir = process.env.PORTCULLIS_SERVER_COVERAGE_DIR;
  return dir ? { NODE_V8_COVERAGE: resolve(ROOT, dir) } : {};
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), st.mtimeMs);
}

export function buildIfStale(build: BuildName): void {
  const stamp = join(ROOT, distDirOf(build), "BUILD_ID");
  const sources = ["app", "lib", "next.config.ts", "proxy.ts", "instrumentation.ts", "package.json"]
    .map((p) => join(ROOT, p))
    .filter(existsSync);
  if (process.env.PORTCULLIS_PREBUILT === "1" && existsSync(stamp)) return;
  if (existsSync(stamp) && statSync(stamp).mtimeMs > Math.max(...sources.map(newestMtime))) return;
  const result = spawnSync(process.execPath, [NEXT_BIN, "build"], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", ...buildEnv(build) },
  });
  if (result.status !== 0) throw new Error(`next build (${build}) failed`);
}
