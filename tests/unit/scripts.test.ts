/**
 * The command-line scripts: they read .env / .env.local the way Next.js does (so `db:migrate`
 * never silently migrates the embedded database while the app uses the URL in .env.local), and
 * `npm run secrets -- --alg ES256` makes a P-256 key for verifiers without EdDSA.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = process.cwd();
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function run(script: string, args: string[], cwd = ROOT) {
  const env = { ...process.env };
  for (const name of ["POSTGRES_URL", "DATABASE_URL", "PORTCULLIS_DB_DRIVER", "NODE_ENV"]) delete env[name];
  return spawnSync(TSX, [join(ROOT, "scripts", script), ...args], { cwd, env, encoding: "utf8", timeout: 60000 });
}

describe("scripts", () => {
  it("db:status reads POSTGRES_URL from .env.local like Next.js does", () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-env-"));
    symlinkSync(join(ROOT, "db"), join(dir, "db"));
    writeFileSync(join(dir, ".env.local"), "POSTGRES_URL=postgres://postgres@127.0.0.1:1/from_env_local\n");
    const result = run("db.ts", ["status"], dir);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("127.0.0.1:1/from_env_local");
  });

  it.each([
    [[], "EdDSA", "OKP"],
    [["--alg", "ES256"], "ES256", "EC"],
  ])("secrets %j prints a %s signing key", (args, alg, kty) => {
    const result = run("secrets.ts", args);
    expect(result.status).toBe(0);
    const line = result.stdout.split("\n").find((l) => l.startsWith("JWT_SIGNING_KEYS="))!;
    const [key] = JSON.parse(line.slice("JWT_SIGNING_KEYS=".length).replace(/^'|'$/g, "")) as {
      alg: string;
      kty: string;
      d?: string;
      kid?: string;
    }[];
    expect(key).toMatchObject({ alg, kty });
    expect(key!.d).toBeTruthy();
    expect(key!.kid).toBeTruthy();
  });

  it("secrets refuses an algorithm it does not offer", () => {
    const result = run("secrets.ts", ["--alg", "HS256"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--alg EdDSA|ES256");
  });
});
