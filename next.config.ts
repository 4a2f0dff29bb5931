import type { NextConfig } from "next";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RouteTableEntry } from "./lib/http/route-table";

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
    } else if (item.name === "route.ts") {
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
  // NEXT_DIST_DIR lets parallel test runs build into separate folders (default .next).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@vercel/postgres", "@neondatabase/serverless", "ws", "nodemailer", "@noble/hashes"],
  outputFileTracingIncludes: { "/api/**": ["./lib/passwords/hash-worker.mjs", "./db/migrations/*.sql"] },
  poweredByHeader: false,
  env: { PORTCULLIS_ROUTE_TABLE: JSON.stringify(scanRouteTable()) },
  // forbidden() from next/navigation: /admin answers a non-admin with app/forbidden.tsx and a real 403.
  experimental: { authInterrupts: true },
  async headers() {
    // Pages get their Content-Security-Policy (with a per-request nonce) from proxy.ts; API
    // responses carry a strict one from lib/http/response.ts.
    return [{ source: "/:path*", headers: [
      { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" },
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "Referrer-Policy", value: "no-referrer" },
    ] }];
  },
};

export default nextConfig;
