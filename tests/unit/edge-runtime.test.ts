/**
 * The parts that claim to be edge-safe run inside Vercel's edge-runtime sandbox (the same VM
 * `next dev` uses for edge code): each is bundled for the browser/worker platform — so any Node
 * built-in makes the bundle fail — and evaluated in an EdgeVM, where `require` and `process`
 * do not exist. The access-token verifier then verifies real tokens against a JWKS served over
 * HTTP, from inside the sandbox.
 */
import { createServer, type Server } from "node:http";
import { randomUUID } from "node:crypto";
import { build } from "esbuild";
import { EdgeVM } from "@edge-runtime/vm";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Modules whose header says they run on the edge. */
const EDGE_MODULES = { verifier: "lib/tokens/verify-access-token.ts" } as const;

async function bundle(entry: string, globalName: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    globalName,
    platform: "browser",
    conditions: ["edge-light", "worker", "browser"],
    target: "es2022",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

const ISSUER = "https://portcullis.test";
const AUDIENCE = "portcullis";
let server: Server;
let jwksUrl: string;
let privateKey: CryptoKey;
const kid = "edge-test-key";

beforeAll(async () => {
  const pair = await generateKeyPair("EdDSA", { extractable: true });
  privateKey = pair.privateKey as CryptoKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: "EdDSA", use: "sig" };
  server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function accessToken(overrides: { exp?: number; aud?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: randomUUID(), roles: ["user"], aal: 1, amr: ["pwd"] })
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
    .setIssuer(ISSUER)
    .setAudience(overrides.aud ?? AUDIENCE)
    .setSubject(randomUUID())
    .setJti(randomUUID())
    .setIssuedAt(now - 10)
    .setExpirationTime(overrides.exp ?? now + 300)
    .sign(privateKey);
}

describe("edge runtime", () => {
  it.each(Object.entries(EDGE_MODULES))("%s (%s) bundles without Node built-ins and loads in an EdgeVM", async (name, entry) => {
    const code = await bundle(entry, `edge_${name}`);
    const vm = new EdgeVM();
    expect(vm.evaluate("typeof require")).toBe("undefined");
    expect(vm.evaluate("typeof process")).toBe("undefined");
    vm.evaluate(code);
    expect(vm.evaluate(`typeof edge_${name}`)).toBe("object");
  });

  it("the access-token verifier verifies, and refuses, real tokens inside the sandbox", async () => {
    const vm = new EdgeVM();
    vm.evaluate(await bundle(EDGE_MODULES.verifier, "edge_verifier"));
    vm.evaluate(
      `globalThis.v = edge_verifier.createAccessTokenVerifier({ jwksUrl: ${JSON.stringify(jwksUrl)}, issuer: ${JSON.stringify(ISSUER)}, audience: ${JSON.stringify(AUDIENCE)} })`,
    );
    const verify = (token: string) =>
      vm.evaluate(`v.verify(${JSON.stringify(token)})`) as Promise<{ ok: boolean; reason?: string; claims?: { iss: string } }>;

    const good = await verify(await accessToken());
    expect(good.ok).toBe(true);
    expect(good.claims?.iss).toBe(ISSUER);
    expect(await verify(await accessToken({ aud: "another-service" }))).toEqual({ ok: false, reason: "invalid" });
    expect(await verify(await accessToken({ exp: Math.floor(Date.now() / 1000) - 60 }))).toEqual({ ok: false, reason: "expired" });
    const token = await accessToken();
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    expect(await verify(tampered)).toEqual({ ok: false, reason: "invalid" });
  });
});
