/**
 * Code examples in the docs are files under docs/examples/, type-checked by tests/unit/examples.test.ts
 * under the tsconfig create-next-app writes. A doc shows one through a generated region:
 *
 *   <!-- example:docs/examples/authjs/auth.ts -->
 *   (written by `npm run docs`: a ```ts block headed by the file's path in the site)
 *   <!-- /example -->
 *
 * so `npm run docs -- --check` fails when a doc and its example differ.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
export const EXAMPLES_DIR = "docs/examples";
/** A region: the markers each on a line of its own (a marker quoted inside a line of prose is not one). */
const REGION = /^<!-- example:([^\s>]+) -->\n[\s\S]*?^<!-- \/example -->$/gm;
const OPENING = /^<!-- example:/gm;

function files(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === "node_modules" ? [] : files(path, keep);
      return keep(name) ? [path] : [];
    });
}

/** Every example file, relative to the repository (docs/examples/<topic>/<path in the site>). */
export function exampleFiles(): string[] {
  return files(join(ROOT, EXAMPLES_DIR), (name) => /\.(ts|tsx)$/.test(name)).map((path) => relative(ROOT, path));
}

/** The region for one example: the file as a fenced block, headed by where it goes in the site. */
export function exampleBlock(file: string): string {
  const path = join(ROOT, file);
  if (!file.startsWith(`${EXAMPLES_DIR}/`) || !existsSync(path)) throw new Error(`example not found: ${file}`);
  const inSite = file.slice(EXAMPLES_DIR.length + 1).replace(/^[^/]+\//, "");
  const lang = extname(file) === ".tsx" ? "tsx" : "ts";
  const code = readFileSync(path, "utf8").replace(/\n+$/, "");
  return `<!-- example:${file} -->\n\`\`\`${lang}\n// ${inSite}\n${code}\n\`\`\`\n<!-- /example -->`;
}

/** A document with every example region rewritten from its file. */
export function withExamples(text: string): string {
  const opened = [...text.matchAll(OPENING)].length;
  const closed = [...text.matchAll(REGION)].length;
  if (opened !== closed) throw new Error("an <!-- example:… --> marker without its <!-- /example --> (or nested)");
  return text.replace(REGION, (_region, file: string) => exampleBlock(file));
}

/** The Markdown files (README.md and docs/**) that show examples, relative to the repository. */
export function docsWithExamples(): string[] {
  const docs = [join(ROOT, "README.md"), ...files(join(ROOT, "docs"), (name) => name.endsWith(".md"))];
  return docs.filter((path) => /^<!-- example:/m.test(readFileSync(path, "utf8"))).map((path) => relative(ROOT, path));
}

/** The examples each document shows. */
export function examplesShown(doc: string): string[] {
  return [...readFileSync(join(ROOT, doc), "utf8").matchAll(REGION)].map((m) => m[1]!);
}

/** For scripts/docs.ts's generatedDocs: each document with examples, regenerated from its files. */
export function exampleDocs(): Record<string, () => string> {
  return Object.fromEntries(docsWithExamples().map((doc) => [doc, () => withExamples(readFileSync(join(ROOT, doc), "utf8"))]));
}
