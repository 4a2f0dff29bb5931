/**
 * PAGES (lib/http/pages.ts) is the one list of page paths the code links to: each entry is a
 * page under app/, and no .ts/.tsx file in app/ or lib/ writes a listed page's path as a string
 * literal of its own. The scan reads string and template literals through the TypeScript parser,
 * so comments and prose (JSX text) are not counted; the home page "/" is not scanned (a "/" is
 * as often a separator as a page).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { PAGES } from "../../lib/http/pages";

const ROOT = join(import.meta.dirname, "../..");
const PAGES_FILE = "lib/http/pages.ts";
const MARKER = ":param";

/** Each entry as a path; an entry taking a parameter is called with MARKER in its place. */
const entries = Object.entries(PAGES).map(([name, value]) => ({
  name,
  path: typeof value === "function" ? value(MARKER) : value,
}));

/** The page file that serves `segments` under `dir`: route groups add no segment; [x], [...x], [[...x]] match any. */
function findPage(dir: string, segments: readonly string[]): string | null {
  const children = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith("_"));
  if (segments.length === 0) {
    if (existsSync(join(dir, "page.tsx"))) return join(dir, "page.tsx");
    const optional = children.find((d) => /^\[\[\.\.\..+\]\]$/.test(d.name));
    if (optional && existsSync(join(dir, optional.name, "page.tsx"))) return join(dir, optional.name, "page.tsx");
  }
  for (const child of children) {
    const name = child.name;
    const sub = join(dir, name);
    let found: string | null = null;
    if (/^\(.*\)$/.test(name)) found = findPage(sub, segments);
    else if (segments.length === 0) continue;
    else if (name === segments[0] || /^\[[^.[\]]+\]$/.test(name)) found = findPage(sub, segments.slice(1));
    else if (/^\[\[?\.\.\..+\]\]?$/.test(name) && existsSync(join(sub, "page.tsx"))) found = join(sub, "page.tsx");
    if (found) return found;
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const item of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${item.name}`;
    if (item.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(item.name) && !item.name.endsWith(".d.ts")) files.push(path);
  }
  return files;
}

/** The text of every string literal, template without substitutions, and template head (before the first `${`). */
function literals(file: string): { text: string; line: number }[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: { text: string; line: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) {
      found.push({ text: node.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The fixed part of a page path: up to its parameter, without the slash before it. */
function fixedPart(path: string): string {
  const at = path.indexOf(MARKER);
  return at === -1 ? path : path.slice(0, at).replace(/\/$/, "");
}

/** A literal that is `page`'s path, or begins with it followed by a query, a fragment or a further segment. */
function writesPage(text: string, page: string): boolean {
  return text === page || (text.startsWith(page) && "?#/".includes(text.charAt(page.length)));
}

describe("PAGES", () => {
  it("lists each path once, each beginning with /", () => {
    const paths = entries.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const { path } of entries) expect(path.startsWith("/")).toBe(true);
  });

  it.each(entries.filter((e) => e.path !== "/"))("$name ($path) is a page under app/", ({ path }) => {
    const segments = path.split("/").filter((s) => s !== "");
    expect(findPage(join(ROOT, "app"), segments)).not.toBeNull();
  });

  it("is where app/ and lib/ take page paths from: no literal page path elsewhere", () => {
    const pages = entries
      .map((e) => fixedPart(e.path))
      .filter((p) => p !== "/")
      .sort((a, b) => b.length - a.length);
    const files = [...sourceFiles("app"), ...sourceFiles("lib")].filter((f) => f !== PAGES_FILE);
    const offenders: string[] = [];
    for (const file of files) {
      for (const { text, line } of literals(file)) {
        const page = pages.find((p) => writesPage(text, p));
        if (page) offenders.push(`${file}:${line} ${JSON.stringify(text)} (PAGES path ${page})`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
