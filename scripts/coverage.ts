/**
 * npm run test:coverage — line coverage of lib/ from the whole suite, with a floor.
 *
 * Two halves are measured, because the HTTP tests reach lib/ through a separate `next start`
 * process that an in-process coverage tool never sees:
 *   in-process  unit and database tests: @vitest/coverage-v8 writes istanbul JSON
 *               (.data/coverage/coverage-final.json; a line counts when a statement starting on
 *               it ran, istanbul's own line measure);
 *   servers     every `next start` the tests spawn runs with NODE_V8_COVERAGE
 *               (PORTCULLIS_SERVER_COVERAGE_DIR, tests/support/build.ts) and writes V8 block
 *               coverage of the test build's server chunks when it exits; the build's source maps
 *               take each mapped position back to its lib/ line, which counts as run when the
 *               innermost V8 range holding that position ran at least once.
 * The lines counted are istanbul's (lines where a statement starts; vitest lists every file of
 * lib/, loaded or not), so both halves are measured against one denominator; a line is covered
 * when either half saw it run (a mapped position on a line istanbul does not count is ignored).
 * Test files are left out; lib/client (browser code) is shown apart and counted in the floor.
 * Usage: tsx scripts/coverage.ts [--floor 80] [--in-process .data/coverage/coverage-final.json]
 *        [--servers .data/v8-server]   (exit 1 below the floor)
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { AnyMap, eachMapping, type TraceMap } from "@jridgewell/trace-mapping";

const ROOT = resolve(import.meta.dirname, "..");
const LIB = join(ROOT, "lib") + sep;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

type Lines = Map<string, Map<number, boolean>>; // file -> line -> covered

function mark(lines: Lines, file: string, line: number, covered: boolean, onlyKnownLines = false): void {
  if (!file.startsWith(LIB) || /\.test\.ts$/.test(file)) return;
  let byLine = lines.get(file);
  if (onlyKnownLines && !byLine?.has(line)) return;
  if (!byLine) {
    byLine = new Map();
    lines.set(file, byLine);
  }
  byLine.set(line, (byLine.get(line) ?? false) || covered);
}

interface IstanbulFile {
  statementMap: Record<string, { start: { line: number } }>;
  s: Record<string, number>;
}

function readInProcess(path: string, lines: Lines): number {
  if (!existsSync(path)) return 0;
  const data = JSON.parse(readFileSync(path, "utf8")) as Record<string, IstanbulFile>;
  for (const [file, cov] of Object.entries(data)) {
    for (const [id, st] of Object.entries(cov.statementMap)) mark(lines, resolve(file), st.start.line, (cov.s[id] ?? 0) > 0);
  }
  return Object.keys(data).length;
}

interface V8Range {
  startOffset: number;
  endOffset: number;
  count: number;
}

/** The count of the innermost range at every offset of a script (ranges painted largest first). */
function paint(length: number, functions: { ranges: V8Range[] }[]): Int32Array {
  const counts = new Int32Array(length);
  const ranges = functions.flatMap((f) => f.ranges).sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  for (const r of ranges) counts.fill(r.count, Math.max(0, r.startOffset), Math.min(length, r.endOffset));
  return counts;
}

const scripts = new Map<string, { code: string; lineStarts: number[]; map: TraceMap } | null>();

function loadScript(path: string) {
  if (!scripts.has(path)) {
    const mapPath = `${path}.map`;
    if (!existsSync(path) || !existsSync(mapPath)) scripts.set(path, null);
    else {
      const code = readFileSync(path, "utf8");
      const lineStarts = [0];
      for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);
      scripts.set(path, { code, lineStarts, map: new AnyMap(readFileSync(mapPath, "utf8"), mapPath) });
    }
  }
  return scripts.get(path)!;
}

function readServers(dir: string, lines: Lines, knownLinesOnly: boolean): number {
  if (!existsSync(dir)) return 0;
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  for (const name of files) {
    const { result } = JSON.parse(readFileSync(join(dir, name), "utf8")) as {
      result: { url: string; functions: { ranges: V8Range[] }[] }[];
    };
    for (const entry of result) {
      if (!entry.url.startsWith("file://")) continue;
      const path = fileURLToPath(entry.url);
      if (!path.includes(`${sep}server${sep}`) || !path.endsWith(".js")) continue;
      const script = loadScript(path);
      if (!script) continue;
      const counts = paint(script.code.length, entry.functions);
      const mapDir = dirname(path);
      eachMapping(script.map, (m) => {
        if (!m.source || m.originalLine === null) return;
        const source = resolve(mapDir, m.source.replace(/^file:\/\//, ""));
        const offset = (script.lineStarts[m.generatedLine - 1] ?? 0) + m.generatedColumn;
        mark(lines, source, m.originalLine, (counts[offset] ?? 0) > 0, knownLinesOnly);
      });
    }
  }
  return files.length;
}

const lines: Lines = new Map();
const floor = Number(option("floor", "80"));
const inProcessFiles = readInProcess(resolve(ROOT, option("in-process", ".data/coverage/coverage-final.json")), lines);
const serverDumps = readServers(resolve(ROOT, option("servers", ".data/v8-server")), lines, inProcessFiles > 0);

const rows = [...lines].map(([file, byLine]) => {
  const total = byLine.size;
  const covered = [...byLine.values()].filter(Boolean).length;
  return { file: relative(ROOT, file), total, covered };
});
const sum = (rs: typeof rows) =>
  rs.reduce((a, r) => ({ total: a.total + r.total, covered: a.covered + r.covered }), { total: 0, covered: 0 });
const isClient = (r: { file: string }) => r.file.startsWith(`lib${sep}client${sep}`);
const measured = sum(rows);
const client = sum(rows.filter(isClient));
const pct = (s: { total: number; covered: number }) => (s.total === 0 ? 0 : (100 * s.covered) / s.total);

if (process.argv.includes("--files")) {
  for (const r of rows.sort((a, b) => pct(a) - pct(b)))
    console.log(`${pct(r).toFixed(1).padStart(6)}%  ${r.covered}/${r.total}  ${r.file}`);
}
console.log(`in-process files: ${inProcessFiles}; server coverage dumps: ${serverDumps}`);
console.log(`lib/: ${measured.covered}/${measured.total} lines, ${pct(measured).toFixed(2)}%`);
console.log(`  of which lib/client (browser code): ${client.covered}/${client.total} lines, ${pct(client).toFixed(2)}%`);
if (pct(measured) < floor) {
  console.error(`coverage of lib/ ${pct(measured).toFixed(2)}% is below the floor of ${floor}%`);
  process.exitCode = 1;
}
