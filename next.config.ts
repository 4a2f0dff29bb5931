import type { NextConfig } from "next";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RouteTableEntry } from "./lib/http/route-table";

/**
 * Which build this is, chosen when `next build` runs (PORTCULLIS_BUILD), never at run time
 * (docs/security/test-hooks.md):
 *  - production (the default, `npm run build`): no test route, no test header handling;
 *  - test (`tests/setup/global.ts`): adds the test-only routes (route.test-route.ts files) and
 *    inlines PORTCULLIS_TEST_BUILD=1, which turns on the code behind that flag (x-test-now,
 *    x-test-password-hashes, secrets generated as in development);
 *  - bench (`npm run bench:sessions`): the production build plus the benchmark floor route
 *    (route.bench-route.ts).
 * Each goes to its own folder (.next, .next-test, .next-bench), so one never serves another.
 */
const BUILDS = {
  production: { distDir: ".next", routeExtensions: [] as string[] },
  test: { distDir: ".next-test", routeExtensions: ["test-route.ts", "bench-route.ts"] },
  bench: { distDir: ".next-bench", routeExtensions: ["bench-route.ts"] },
} as const;
const buildName = process.env.PORTCULLIS_BUILD || "production";
if (!Object.hasOwn(BUILDS, buildName)) throw new Error(`PORTCULLIS_BUILD must be one of ${Object.keys(BUILDS).join(", ")}`);
const build = BUILDS[buildName as keyof typeof BUILDS];
const routeFiles = new Set(["route.ts", ...build.routeExtensions.map((ext) => `route.${ext}`)]);

/**
 * Every route handler under app/ with the methods it exports, for proxy.ts (lib/http/route-table.ts):
 * read from the files at build time and inlined, so the table is always the build's own.
 */
function scanRouteTable(dir = "app", segments: string[] = []): RouteTableEntry[] {
  const entries: RouteTableEntry[] = [];
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    if (item.isDirectory()) {
      if (item.name.startsWith("_")) continue; // private folders are not routed
      const next = /^\(.*\)$/.test(item.name) ? segments : [...segments, item.name]; // route groups add no segment
      entries.push(...scanRouteTable(join(dir, item.name), next));
    } else if (routeFiles.has(item.name)) {
      const source = readFileSync(join(dir, item.name), "utf8");
      const methods = [...source.matchAll(/^export (?:const|(?:async )?function) (GET|POST|PUT|PATCH|DELETE)\b/gm)].map((m) => m[1]!);
      entries.push({ segments, methods });
    }
  }
  return entries;
}

// Database drivers, the SMTP client and the hashing worker are loaded by Node at run time,
// not bundled: PGlite ships WASM beside its JS, and the worker file is spawned by path.
const nextConfig: NextConfig = {
  // NEXT_DIST_DIR lets parallel runs build into separate folders (default: the build's own).
  distDir: process.env.NEXT_DIST_DIR || build.distDir,
  pageExtensions: ["tsx", "ts", "jsx", "js", ...build.routeExtensions],
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pg",
    "@vercel/postgres",
    "@neondatabase/serverless",
    "ws",
    "nodemailer",
    "@noble/hashes",
  ],
  outputFileTracingIncludes: { "/api/**": ["./lib/passwords/hash-worker.mjs", "./db/migrations/*.sql"] },
  poweredByHeader: false,
  // forbidden() from next/navigation: /admin answers a non-admin with app/forbidden.tsx and a real 403.
  // Source maps carry the sources' full text, test-build branches included: none in production.
  experimental: { authInterrupts: true, ...(buildName === "production" ? { turbopackSourceMaps: false } : {}) },
  // Inlined into the bundles at build time: the variables of the same name at run time change nothing.
  env: { PORTCULLIS_ROUTE_TABLE: JSON.stringify(scanRouteTable()), PORTCULLIS_TEST_BUILD: buildName === "test" ? "1" : "0" },
  // Browsers ask for /favicon.ico on pages whose head they have not read (a 403 or 404 body):
  // serve the app icon instead of a 404 in the console.
  async rewrites() {
    return [{ source: "/favicon.ico", destination: "/icon.svg" }];
  },
  async headers() {
    // Pages get their Content-Security-Policy (with a per-request nonce) from proxy.ts; API
    // responses carry a strict one from lib/http/response.ts.
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
        ],
      },
    ];
  },
};

export default nextConfig;
