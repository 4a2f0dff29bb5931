import type { NextConfig } from "next";

// Database drivers, the SMTP client and the hashing worker are loaded by Node at run time,
// not bundled: PGlite ships WASM beside its JS, and the worker file is spawned by path.
const nextConfig: NextConfig = {
  // NEXT_DIST_DIR lets parallel test runs build into separate folders (default .next).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@vercel/postgres", "@neondatabase/serverless", "ws", "nodemailer", "@noble/hashes"],
  outputFileTracingIncludes: { "/api/**": ["./lib/passwords/hash-worker.mjs", "./db/migrations/*.sql"] },
  poweredByHeader: false,
  // forbidden() from next/navigation: /admin answers a non-admin with app/forbidden.tsx and a real 403.
  experimental: { authInterrupts: true },
  // `npm run typecheck` (tsc --noEmit) is its own CI step; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
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
