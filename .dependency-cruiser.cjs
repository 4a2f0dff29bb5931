/**
 * The layering of lib/ (drawn in docs/architecture.md), enforced in CI by `npm run lint:deps`:
 *
 *   foundation  config, clock, errors, crypto, db, http, audit, email, rate-limit
 *      ↑
 *   primitives  passwords, users, sessions, one-time-tokens, access-tokens
 *      ↑
 *   flows       accounts, mfa, refresh-tokens, rbac, admin, detection, maintenance, oidc, …
 *
 * A layer imports only from the layers below it (and from itself); there is no cycle between any
 * two folders; lib/ never imports app/ or next/*; app/_lib is the only Next.js adapter.
 */
const FOUNDATION = "^lib/(config\\.ts|clock\\.ts|errors\\.ts|crypto|db|http|audit|email|rate-limit)(/|$)";
const PRIMITIVES = "^lib/(passwords|users|sessions|one-time-tokens|access-tokens)(/|$)";

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "No import cycles, within or between lib/ folders.",
      from: { path: "^lib/" },
      to: { circular: true },
    },
    {
      name: "no-folder-cycles",
      severity: "error",
      scope: "folder",
      comment: "No cycle between two lib/ folders (domains).",
      from: { path: "^lib/[^/]+" },
      to: { circular: true },
    },
    {
      name: "lib-not-next",
      severity: "error",
      comment: "lib/ is runtime-agnostic: it never imports next/* or app/.",
      from: { path: "^lib/" },
      to: { path: "^(app/|node_modules/next/)" },
    },
    {
      name: "foundation-is-the-bottom",
      severity: "error",
      comment: "Foundation modules import only foundation modules.",
      from: { path: FOUNDATION },
      to: { path: "^lib/", pathNot: FOUNDATION },
    },
    {
      name: "primitives-below-flows",
      severity: "error",
      comment: "Primitives import only foundation and primitives.",
      from: { path: PRIMITIVES },
      to: { path: "^lib/", pathNot: `${FOUNDATION}|${PRIMITIVES}` },
    },
    {
      name: "routes-through-lib",
      severity: "error",
      comment: "Route handlers never import a database driver directly.",
      from: { path: "^app/" },
      to: { path: "^(node_modules/(pg|@vercel/postgres|@electric-sql/pglite)/|lib/db/(pg|pglite|vercel|pg-common)\\.ts)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
