import type { NextConfig } from "next";

// A second Next.js 16 site that signs people in with Portcullis through Auth.js (next-auth v5),
// built and started by tests/e2e/oidc-browser.test.ts with the repository's node_modules.
const nextConfig: NextConfig = {
  typescript: { ignoreBuildErrors: true }, // the root `npm run typecheck` covers these files
  poweredByHeader: false,
};

export default nextConfig;
