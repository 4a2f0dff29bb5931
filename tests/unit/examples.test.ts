/**
 * The code examples of the docs (docs/examples/**) compile in a fresh create-next-app site: each
 * group is copied into a temporary directory laid out like that site, with the tsconfig
 * create-next-app writes for Next.js 16, the Portcullis files the docs tell a site to copy, and
 * this repository's node_modules; then `tsc --noEmit` must print nothing. Examples of screens inside
 * Portcullis itself are checked the same way under Portcullis's own tsconfig. docs/testing.md describes it.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docsWithExamples, EXAMPLES_DIR, exampleBlock, exampleFiles, examplesShown, withExamples } from "../../scripts/docs-examples";

const ROOT = join(import.meta.dirname, "..", "..");

/** create-next-app 16's tsconfig.json (packages/create-next-app/templates/app/ts/tsconfig.json), verbatim. */
const CREATE_NEXT_APP_COMPILER_OPTIONS = {
  target: "ES2017",
  lib: ["dom", "dom.iterable", "esnext"],
  allowJs: true,
  skipLibCheck: true,
  strict: true,
  noEmit: true,
  esModuleInterop: true,
  module: "esnext",
  moduleResolution: "bundler",
  resolveJsonModule: true,
  isolatedModules: true,
  jsx: "react-jsx",
  incremental: true,
  plugins: [{ name: "next" }],
  paths: { "@/*": ["./*"] },
};
const CREATE_NEXT_APP_INCLUDE = ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts", "**/*.mts"];
/** next-env.d.ts as `next dev` writes it, minus the imports of route types that only a build generates. */
const NEXT_ENV = '/// <reference types="next" />\n/// <reference types="next/image-types/global" />\n';

interface Site {
  readonly name: string;
  /** Folders of docs/examples/ whose files are copied to the site's root. */
  readonly examples: readonly string[];
  /** Portcullis files the docs tell the site to copy: repository path → path in the site. */
  readonly copies?: Readonly<Record<string, string>>;
  /** Examples of screens inside Portcullis itself: checked with Portcullis's own tsconfig (its `@/*` is the repository). */
  readonly insidePortcullis?: boolean;
}

const SITES: readonly Site[] = [
  {
    name: "another Next.js site (Auth.js, openid-client, access tokens, alert webhook)",
    examples: ["authjs", "access-token", "openid-client", "alert-webhook"],
    // docs/api/tokens.md: "Copy lib/tokens/verify-access-token.ts into the other site (same path)"
    copies: { "lib/tokens/verify-access-token.ts": "lib/tokens/verify-access-token.ts" },
  },
  {
    // docs/client.md, docs/api/accounts-and-sessions.md: screens added to Portcullis's own app
    name: "Portcullis itself (typed client, session in a page)",
    examples: ["portcullis"],
    insidePortcullis: true,
  },
];

interface Checked {
  readonly code: number;
  readonly output: string;
}

function layOut(site: Site, dir: string): void {
  const own = new Map<string, string>();
  for (const folder of site.examples) {
    const from = join(ROOT, EXAMPLES_DIR, folder);
    for (const file of exampleFiles().filter((f) => f.startsWith(`${EXAMPLES_DIR}/${folder}/`))) {
      const inSite = relative(from, join(ROOT, file));
      if (own.has(inSite)) throw new Error(`${file} and ${own.get(inSite)} are both ${inSite} in ${site.name}`);
      own.set(inSite, file);
      mkdirSync(dirname(join(dir, inSite)), { recursive: true });
      cpSync(join(ROOT, file), join(dir, inSite));
    }
  }
  for (const [from, to] of Object.entries(site.copies ?? {})) {
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    cpSync(join(ROOT, from), join(dir, to));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "next-env.d.ts"), NEXT_ENV);
  const tsconfig = site.insidePortcullis
    ? // the repository's compiler options and paths (extended paths resolve from the repository); only the examples listed
      { extends: join(ROOT, "tsconfig.json"), compilerOptions: { incremental: false }, include: ["next-env.d.ts", ...own.keys()] }
    : { compilerOptions: CREATE_NEXT_APP_COMPILER_OPTIONS, include: CREATE_NEXT_APP_INCLUDE, exclude: ["node_modules"] };
  writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
}

function typecheck(dir: string): Promise<Checked> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, "node_modules", ".bin", "tsc"),
      ["--noEmit", "-p", dir],
      { cwd: dir, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

const work = mkdtempSync(join(tmpdir(), "portcullis-examples-"));
const results = new Map<string, Checked>();

beforeAll(async () => {
  const checked = await Promise.all(
    SITES.map(async (site, i) => {
      const dir = join(work, `site-${i}`);
      mkdirSync(dir);
      layOut(site, dir);
      return [site.name, await typecheck(dir)] as const;
    }),
  );
  for (const [name, result] of checked) results.set(name, result);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("docs/examples", () => {
  it.each(SITES.map((s) => [s.name, s] as const))("compile in a create-next-app site: %s", (name) => {
    const result = results.get(name)!;
    expect(result.output, `tsc in ${name}`).toBe("");
    expect(result.code).toBe(0);
  });

  it("every folder of docs/examples belongs to one site", () => {
    const folders = readdirSync(join(ROOT, EXAMPLES_DIR)).sort();
    const placed = SITES.flatMap((s) => s.examples);
    expect(folders).toEqual([...placed].sort());
    expect(new Set(placed).size).toBe(placed.length);
  });

  it("every example is shown in a doc, and every doc region names an existing example", () => {
    const shown = new Set(docsWithExamples().flatMap((doc) => examplesShown(doc)));
    expect(exampleFiles().filter((f) => !shown.has(f))).toEqual([]);
    expect([...shown].filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
  });

  it("npm run docs rewrites a region that differs from its file, and refuses an open or unknown region", () => {
    const file = "docs/examples/authjs/lib/portcullis-logout.ts";
    const stale = `Before.\n\n<!-- example:${file} -->\n\`\`\`ts\nconst url = new URL(issuer);\n\`\`\`\n<!-- /example -->\n\nAfter.\n`;
    const fresh = withExamples(stale);
    expect(fresh).toBe(`Before.\n\n${exampleBlock(file)}\n\nAfter.\n`);
    expect(fresh).toContain("```ts\n// lib/portcullis-logout.ts\n");
    expect(fresh).toContain("export function portcullisLogoutUrl(");
    expect(withExamples(fresh)).toBe(fresh);
    expect(() => withExamples(`<!-- example:${file} -->\nno end\n`)).toThrow(/without its/);
    expect(() => withExamples("<!-- example:docs/examples/missing.ts -->\n<!-- /example -->\n")).toThrow(/not found/);
  });
});
