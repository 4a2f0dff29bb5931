/**
 * npm run bench:edge [-- --runs <n> (5)]
 *
 * Why password routes run on the Node.js runtime, measured: one argon2id hash at Portcullis's
 * parameters (m=19456 KiB, t=2, p=1, @noble/hashes) timed in plain Node (the floor) and inside
 * Vercel's edge-runtime sandbox (@edge-runtime/vm, the VM `next dev` runs edge code in), in the
 * same process and run. Prints a table (median, min, ratio to the Node floor) and writes JSON
 * to bench/results/edge-argon2.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { EdgeVM } from "@edge-runtime/vm";
import { argon2id } from "@noble/hashes/argon2.js";

const PARAMS = { m: 19456, t: 2, p: 1, dkLen: 32 } as const;
const RESULTS_FILE = join(process.cwd(), "bench", "results", "edge-argon2.json");

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function edgeHasher(): Promise<() => Promise<number>> {
  const result = await build({
    stdin: {
      contents: `import { argon2id } from "@noble/hashes/argon2.js"; export function run(p) { const t0 = performance.now(); argon2id("correct horse battery staple", "0123456789abcdef", p); return performance.now() - t0; }`,
      resolveDir: process.cwd(),
    },
    bundle: true,
    write: false,
    format: "iife",
    globalName: "bench",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
  });
  const vm = new EdgeVM();
  vm.evaluate(result.outputFiles[0]!.text);
  return async () => vm.evaluate(`bench.run(${JSON.stringify(PARAMS)})`) as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
  const runs = Math.max(1, Number(values.runs));
  const node: number[] = [];
  const edge: number[] = [];
  const inEdge = await edgeHasher();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    argon2id("correct horse battery staple", "0123456789abcdef", PARAMS);
    node.push(performance.now() - t0);
    edge.push(await inEdge());
  }
  const rows = [
    { runtime: "Node.js (floor)", medianMs: median(node), minMs: Math.min(...node) },
    { runtime: "edge-runtime VM", medianMs: median(edge), minMs: Math.min(...edge) },
  ].map((r) => ({ ...r, ratio: r.medianMs / median(node) }));
  console.log(`argon2id m=${PARAMS.m} t=${PARAMS.t} p=${PARAMS.p}, ${runs} runs each, ${cpus()[0]?.model ?? "cpu"}`);
  console.log("| runtime | median ms | min ms | × Node |\n|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.runtime} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
  mkdirSync(join(process.cwd(), "bench", "results"), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, params: PARAMS, runs, rows, samples: { node, edge } }, null, 2)}\n`,
  );
  console.log(`wrote ${RESULTS_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
