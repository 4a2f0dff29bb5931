/**
 * npm run bench:tokens [-- --iterations <n> (20000) --warmup <n> (2000)]
 *
 * The in-process cost of verifying an access token with the edge helper
 * (lib/tokens/verify-access-token.ts, createAccessTokenVerifier), the way another site's
 * proxy.ts runs it: the key set is fetched once from a local JWKS HTTP server (the warm-up
 * does it), then every verification is served from the helper's cache. For each algorithm
 * Portcullis signs with (EdDSA, ES256): a pool of distinct tokens signed by lib/tokens/jwt.ts,
 * verified one after another, each timed with performance.now(). Reports the median, p90, p99
 * and mean in microseconds and how many times the key set was fetched (1 expected). Prints a
 * table; writes JSON to bench/results/tokens-verify.json.
 */
import { createServer } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, release as osRelease, type as osType } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateSigningJwk, publicJwks, signAccessToken, signingKeys, type SigningAlgorithm } from "../lib/tokens/jwt";
import { createAccessTokenVerifier } from "../lib/tokens/verify-access-token";

const RESULTS_FILE = join(process.cwd(), "bench", "results", "tokens-verify.json");
const ISSUER = "https://auth.bench.test";
const AUDIENCE = "portcullis";
const TOKEN_POOL = 1000;
const MIN_ITERATIONS = 10000;

interface Row {
  readonly algorithm: SigningAlgorithm;
  readonly verifications: number;
  readonly medianMicros: number;
  readonly p90Micros: number;
  readonly p99Micros: number;
  readonly meanMicros: number;
  readonly verificationsPerSecond: number;
  readonly jwksFetches: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number) => Math.round(n * 10) / 10;

async function measure(algorithm: SigningAlgorithm, iterations: number, warmup: number): Promise<Row> {
  const jwk = await generateSigningJwk(algorithm);
  const ring = await signingKeys({ JWT_SIGNING_KEYS: JSON.stringify([jwk]), production: false });
  let fetches = 0;
  const body = JSON.stringify(publicJwks(ring));
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const verifier = createAccessTokenVerifier({
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const now = new Date();
    const cfg = { issuer: ISSUER, JWT_AUDIENCE: AUDIENCE, ACCESS_TOKEN_TTL_SECONDS: 3600 };
    const tokens: string[] = [];
    for (let i = 0; i < TOKEN_POOL; i++) {
      const signed = await signAccessToken(
        ring,
        { userId: crypto.randomUUID(), sessionId: `bench-session-${i}`, roles: ["user"], aal: 1, amr: ["pwd"] },
        now,
        cfg,
      );
      tokens.push(signed.token);
    }
    for (let i = 0; i < warmup; i++) {
      const verdict = await verifier.verify(tokens[i % TOKEN_POOL]!);
      if (!verdict.ok) throw new Error(`warm-up verification failed: ${verdict.reason}`);
    }
    const samples = new Float64Array(iterations);
    const started = performance.now();
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      const verdict = await verifier.verify(tokens[i % TOKEN_POOL]!);
      samples[i] = performance.now() - t0;
      if (!verdict.ok) throw new Error(`verification failed: ${verdict.reason}`);
    }
    const elapsedMs = performance.now() - started;
    const sorted = Array.from(samples).sort((a, b) => a - b);
    const micros = (ms: number) => round(ms * 1000);
    return {
      algorithm,
      verifications: iterations,
      medianMicros: micros(percentile(sorted, 50)),
      p90Micros: micros(percentile(sorted, 90)),
      p99Micros: micros(percentile(sorted, 99)),
      meanMicros: micros(elapsedMs / iterations),
      verificationsPerSecond: Math.round(iterations / (elapsedMs / 1000)),
      jwksFetches: fetches,
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function table(rows: readonly Row[]): string {
  const header = ["algorithm", "verifications", "median µs", "p90 µs", "p99 µs", "mean µs", "verifications/s", "JWKS fetches"];
  const lines = rows.map((r) => [
    r.algorithm,
    String(r.verifications),
    String(r.medianMicros),
    String(r.p90Micros),
    String(r.p99Micros),
    String(r.meanMicros),
    String(r.verificationsPerSecond),
    String(r.jwksFetches),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [fmt(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(fmt)].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { iterations: { type: "string", default: "20000" }, warmup: { type: "string", default: "2000" } },
  });
  const iterations = Number(values.iterations);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS) throw new Error(`--iterations must be an integer >= ${MIN_ITERATIONS}`);
  if (!Number.isInteger(warmup) || warmup < 1) throw new Error("--warmup must be a positive integer");

  const startedAt = new Date().toISOString();
  const rows: Row[] = [];
  for (const algorithm of ["EdDSA", "ES256"] as const) rows.push(await measure(algorithm, iterations, warmup));

  const machine = { node: process.version, os: `${osType()} ${osRelease()}`, cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length };
  console.log(`Access-token verification with createAccessTokenVerifier (key set fetched once, then cached)`);
  console.log(
    `${machine.node} on ${machine.cpu} (${machine.cores} cores); ${iterations} verifications per algorithm after ${warmup} warm-up\n`,
  );
  console.log(table(rows));
  mkdirSync(join(process.cwd(), "bench", "results"), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ startedAt, machine, iterations, warmup, tokenPool: TOKEN_POOL, results: rows }, null, 2)}\n`,
  );
  console.log(`\nwritten to ${RESULTS_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
