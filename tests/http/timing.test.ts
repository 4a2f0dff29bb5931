/**
 * Checklist #12: sign-in takes the same time whether or not the account exists. Timing tests
 * are noisy on a shared 2-core machine, so this one runs only when asked
 * (PORTCULLIS_TIMING_TESTS=1 npx vitest run tests/http/timing.test.ts): .ci/run runs it once,
 * alone, after the suites, on PGlite. Samples are interleaved (known, unknown, known, ...) so
 * load from elsewhere hits both sides alike, and compared by medians and a rank test.
 */
import { describe, expect, it } from "vitest";
import { Client, GOOD_PASSWORD, uniqueEmail } from "../support/http";

const ROUNDS = 40;
const WARMUP_ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Two-sided Mann-Whitney U test, normal approximation: the p-value. */
function mannWhitneyP(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  let rankA = 0;
  all.forEach((x, i) => {
    if (x.g === 0) rankA += i + 1;
  });
  const u = rankA - (a.length * (a.length + 1)) / 2;
  const mean = (a.length * b.length) / 2;
  const sd = Math.sqrt((a.length * b.length * (a.length + b.length + 1)) / 12);
  const z = Math.abs((u - mean) / sd);
  const erf = (x: number) => {
    const t = 1 / (1 + 0.3275911 * x);
    return 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-x * x);
  };
  return 2 * (1 - 0.5 * (1 + erf(z / Math.SQRT2)));
}

describe.runIf(process.env.PORTCULLIS_TIMING_TESTS === "1")("sign-in timing (#12)", () => {
  it("costs the same for an unknown email as for a wrong password", async () => {
    // one account per round, so that no account reaches its failure lock during the test
    const accounts = Array.from({ length: ROUNDS }, () => uniqueEmail());
    for (const email of accounts) await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD });
    // warm up both paths first (JIT, connection pool, first hash), so the first rounds are not outliers
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      for (const target of [accounts[i % ROUNDS]!, uniqueEmail()]) await new Client().post("/api/auth/login", { email: target, password: `warm-up ${i}` });
    }
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const [target, list] of [[accounts[i]!, known], [uniqueEmail(), unknown]] as const) {
        const started = performance.now();
        const res = await new Client().post("/api/auth/login", { email: target, password: `wrong password number ${i}` });
        list.push(performance.now() - started);
        expect(res.status).toBe(401);
      }
    }
    const ratio = median(unknown) / median(known);
    console.info(`timing: median known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms, ratio ${ratio.toFixed(3)}, p=${mannWhitneyP(known, unknown).toFixed(3)}`);
    expect(Math.abs(1 - ratio)).toBeLessThan(0.15);
    expect(mannWhitneyP(known, unknown)).toBeGreaterThan(0.01);
  }, 300_000);
});
