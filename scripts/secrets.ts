/**
 * npm run secrets — prints a complete, fresh set of production secrets in .env format:
 *
 *   CRON_SECRET           32 random bytes, base64url
 *   TOTP_ENCRYPTION_KEYS  "k<yyyymmdd>:<32 random bytes, base64>" (AES-256-GCM key ring, one key)
 *   JWT_SIGNING_KEYS      a JSON array with one private signing JWK, kid = its RFC 7638 thumbprint:
 *                         EdDSA (Ed25519) by default, or `--alg ES256` (P-256) for verifiers that
 *                         do not support EdDSA (jsonwebtoken, many older JOSE libraries)
 *
 * Nothing is written anywhere: paste the lines into .env.local or the hosting provider's
 * environment settings (there, without the single quotes around the JSON). To rotate a key,
 * generate a new set and follow the rotation steps in the README instead of replacing the
 * variables wholesale: a replaced TOTP key cannot open the seeds sealed with the old one.
 */
import { newSecret } from "../lib/config";
import { randomBytes } from "../lib/crypto/random";
import { generateSigningJwk } from "../lib/tokens/jwt";

const ALGORITHMS = ["EdDSA", "ES256"] as const;
type Algorithm = (typeof ALGORITHMS)[number];

function algorithmFrom(argv: readonly string[]): Algorithm {
  const i = argv.indexOf("--alg");
  if (i === -1) return "EdDSA";
  const alg = argv[i + 1];
  if (!ALGORITHMS.includes(alg as Algorithm)) throw new Error(`usage: npm run secrets [-- --alg ${ALGORITHMS.join("|")}]`);
  return alg as Algorithm;
}

async function main(): Promise<void> {
  const alg = algorithmFrom(process.argv.slice(2));
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
  const totpKey = Buffer.from(randomBytes(32)).toString("base64");
  const signingKey = await generateSigningJwk(alg);
  // RS256: OpenID Connect ID tokens (the algorithm every OIDC client accepts by default)
  const idTokenKey = await generateSigningJwk("RS256");
  const lines = [
    `# Generated ${new Date().toISOString()} by npm run secrets. Keep these out of version control.`,
    `CRON_SECRET=${newSecret(32)}`,
    `TOTP_ENCRYPTION_KEYS=k${date}:${totpKey}`,
    `JWT_SIGNING_KEYS='${JSON.stringify([signingKey, idTokenKey])}'`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
