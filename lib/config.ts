/**
 * Configuration: the only reader of process.env.
 *
 * Every variable is parsed once, with zod, into a frozen object. A malformed value fails at boot
 * with a message that names the variable. In development missing secrets are generated (and
 * printed once, so a restart can reuse them); in production the process refuses to start
 * without them. Every variable is listed, with a comment, in .env.example.
 */
import { z } from "zod";
import { base64url, randomBytes } from "./crypto/random";
import type { ClientIpSource } from "./http/client-ip";
import type { SocialProviderConfig } from "./social/providers";

const MIN_SECRET_CHARS = 32;

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean),
);

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  VERCEL: z.string().optional(),
  VERCEL_ENV: z.enum(["production", "preview", "development"]).optional(),

  // Database
  POSTGRES_URL: z.string().url().optional(),
  DATABASE_URL: z.string().url().optional(),
  PORTCULLIS_DB_DRIVER: z.enum(["auto", "pg", "vercel", "pglite"]).default("auto"),
  POSTGRES_WS_PROXY: z.string().min(1).optional(),
  PGLITE_DATA_DIR: z.string().min(1).default(".data/pglite"),
  DB_POOL_MAX: int(1, 100).default(10),
  // Bounds on database time (docs/operations/database-faults.md): per statement, and to connect
  DB_QUERY_TIMEOUT_MS: int(100, 600_000).default(5000),
  DB_CONNECT_TIMEOUT_MS: int(100, 60_000).default(5000),

  // Origins and network
  APP_URL: z.string().url().default("http://localhost:3000"),
  ALLOWED_ORIGINS: list.default([]),
  CLIENT_IP_HEADER: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .optional(),
  CLIENT_IP_PROXY_HOPS: int(1, 16).optional(),

  // Secrets
  CRON_SECRET: z.string().min(16).optional(),
  TOTP_ENCRYPTION_KEYS: z.string().min(1).optional(),
  JWT_SIGNING_KEYS: z.string().min(1).optional(),

  // Sessions (seconds)
  SESSION_IDLE_TIMEOUT_SECONDS: int(60, 90 * 86400).default(7 * 86400),
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: int(300, 90 * 86400).default(30 * 86400),
  SESSION_AAL2_IDLE_TIMEOUT_SECONDS: int(60, 86400).default(30 * 60),
  SESSION_AAL2_ABSOLUTE_TIMEOUT_SECONDS: int(300, 7 * 86400).default(12 * 3600),
  SESSION_ACTIVITY_WRITE_INTERVAL_SECONDS: int(1, 3600).default(60),
  REAUTH_WINDOW_SECONDS: int(30, 86400).default(600),

  // Passwords
  PASSWORD_MIN_LENGTH: int(8, 64).default(15),
  PASSWORD_MAX_LENGTH: int(64, 1024).default(256),
  PASSWORD_HISTORY_COUNT: int(0, 24).default(5),
  PASSWORD_HASH_THREADS: int(0, 64).optional(),
  BREACHED_PASSWORD_API_URL: z.string().url().optional(),
  BREACHED_PASSWORD_TIMEOUT_MS: int(100, 10000).default(1500),
  BREACHED_PASSWORD_FAIL_MODE: z.enum(["open", "closed"]).default("open"),

  // Lockout and rate limits
  LOGIN_MAX_FAILURES: int(3, 100).default(10),
  LOGIN_LOCK_BASE_SECONDS: int(1, 3600).default(60),
  LOGIN_LOCK_MAX_SECONDS: int(60, 86400).default(900),
  LOGIN_HARD_LOCK_FAILURES: int(10, 1000).default(100),
  // A browser that signed in before (login-device cookie) is not held by strangers' failures: its own budget
  LOGIN_DEVICE_MAX_FAILURES: int(1, 100).default(5),
  LOGIN_DEVICE_TTL_SECONDS: int(3600, 400 * 86400).default(90 * 86400),
  IP_LOGIN_FAILURES_PER_WINDOW: int(5, 10000).default(20),
  IP_LOGIN_WINDOW_SECONDS: int(10, 86400).default(600),
  // Mail-sending routes (forgot password, verification resend, email change) and token guesses
  MAIL_PER_ADDRESS_INTERVAL_SECONDS: int(10, 3600).default(60),
  MAIL_PER_ADDRESS_PER_HOUR: int(1, 100).default(5),
  MAIL_REQUESTS_PER_IP_PER_HOUR: int(1, 10000).default(20),
  TOKEN_FAILURES_PER_IP_PER_HOUR: int(3, 1000).default(10),
  // Password hashes a signed-in user (and an IP) may start on hash-costly routes per window
  HASH_BUDGET_PER_USER: int(10, 10000).default(30),
  HASH_BUDGET_PER_IP: int(10, 100000).default(60),
  HASH_BUDGET_WINDOW_SECONDS: int(60, 86400).default(600),

  // CAPTCHA (docs/security/captcha.md): off unless CAPTCHA_SITEVERIFY_URL is set
  CAPTCHA_SITEVERIFY_URL: z.string().url().optional(),
  CAPTCHA_SECRET: z.string().min(1).max(512).optional(),
  CAPTCHA_SITE_KEY: z.string().min(1).max(512).optional(),
  CAPTCHA_SCRIPT_URL: z.string().url().optional(),
  CAPTCHA_CSP_SOURCES: list.default([]),
  CAPTCHA_FAIL_OPEN: bool.default(false),
  CAPTCHA_TIMEOUT_MS: int(100, 30000).default(3000),
  CAPTCHA_SIGN_IN_AFTER_FAILURES: int(0, 1000).default(3),

  // Tokens
  ACCESS_TOKEN_TTL_SECONDS: int(30, 3600).default(300),
  REFRESH_REUSE_GRACE_SECONDS: int(0, 10).default(10),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).default("portcullis"),
  REFRESH_RATE_LIMIT_PER_WINDOW: int(1, 100000).default(150),
  REFRESH_RATE_LIMIT_WINDOW_SECONDS: int(1, 86400).default(300),
  PASSWORD_RESET_TTL_SECONDS: int(300, 86400).default(3600),
  EMAIL_VERIFICATION_TTL_SECONDS: int(600, 86400).default(86400),
  MFA_CHALLENGE_TTL_SECONDS: int(60, 600).default(300),
  TRUSTED_DEVICE_TTL_SECONDS: int(3600, 90 * 86400).default(30 * 86400),

  // OpenID Connect provider
  OAUTH_CODE_TTL_SECONDS: int(10, 600).default(60),
  OAUTH_RATE_LIMIT_PER_WINDOW: int(1, 100000).default(300),
  OAUTH_RATE_LIMIT_WINDOW_SECONDS: int(1, 86400).default(300),

  // Social sign-in (docs/social-sign-in.md): a provider appears when its client id and secret are set
  SOCIAL_SIGN_UP: bool.default(true),
  SOCIAL_FLOW_TTL_SECONDS: int(60, 1800).default(600),
  GOOGLE_CLIENT_ID: z.string().min(1).max(255).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).max(512).optional(),
  GOOGLE_ISSUER: z.string().url().default("https://accounts.google.com"),
  MICROSOFT_CLIENT_ID: z.string().min(1).max(255).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).max(512).optional(),
  MICROSOFT_TENANT_ID: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,100}$/)
    .optional(),
  MICROSOFT_ISSUER: z.string().url().optional(),
  GITHUB_CLIENT_ID: z.string().min(1).max(255).optional(),
  GITHUB_CLIENT_SECRET: z.string().min(1).max(512).optional(),
  GITHUB_URL: z.string().url().default("https://github.com"),
  GITHUB_API_URL: z.string().url().default("https://api.github.com"),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(512).optional(),
  OIDC_NAME: z.string().min(1).max(60).default("Single sign-on"),
  OIDC_TRUST_EMAIL_VERIFIED: bool.default(false),

  // Second factor
  TOTP_ISSUER: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^:]+$/)
    .default("Portcullis"),
  MFA_MAX_FAILURES: int(3, 20).default(5),
  MFA_LOCK_SECONDS: int(60, 86400).default(900),
  // Each further consecutive block doubles, up to this (a day by default): escalation, not a 15-minute loop
  MFA_LOCK_MAX_SECONDS: int(60, 30 * 86400).default(86400),
  // Passkeys (WebAuthn): the name authenticators show; the RP ID is APP_URL's host, the origin APP_URL's origin
  PASSKEY_RP_NAME: z.string().min(1).max(100).default("Portcullis"),
  PASSKEY_CHALLENGE_TTL_SECONDS: int(30, 600).default(300),
  // Email sign-in codes (lib/accounts/email-code.ts): "Email me a sign-in code" on /sign-in; off unless set
  EMAIL_SIGN_IN_CODES: bool.default(false),

  // Mail
  MAIL_TRANSPORT: z.enum(["outbox", "smtp"]).optional(),
  MAIL_FROM: z.string().min(3).default("Portcullis <no-reply@localhost>"),
  SMTP_URL: z.string().url().optional(),

  // Retention and detection
  AUDIT_RETENTION_DAYS: int(30, 3650).default(365),
  OUTBOX_RETENTION_DAYS: int(1, 365).default(7),
  // The five-minute session cleanup (lib/maintenance/cleanup.ts): batch length and share of its run spent deleting
  CLEANUP_BATCH_TARGET_MS: int(5, 1000).default(20),
  CLEANUP_DUTY_PERCENT: int(1, 100).default(25),
  ALERT_BRUTE_FORCE_FAILURES: int(3, 10000).default(10),
  ALERT_STUFFING_ACCOUNTS: int(3, 10000).default(5),
  ALERT_MANY_IPS: int(2, 10000).default(5),
  ALERT_WINDOW_MINUTES: int(1, 10080).default(60),
  // Pushed alerts (lib/alerts/): the five-minute cron mails the admins and calls the webhook
  ALERT_SPIKE_FAILURES: int(5, 10_000_000).default(200),
  ALERT_MAX_LIVE_SESSIONS: int(2, 10000).default(20),
  ALERT_REPEAT_HOURS: int(1, 720).default(24),
  ALERT_EMAIL_ADMINS: bool.default(true),
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(32).optional(),
  ALERT_WEBHOOK_TIMEOUT_MS: int(100, 30000).default(5000),

  // Benchmarks only (npm run bench:sessions): enables /api/test/floor, which only the bench and
  // test builds contain (next.config.ts); refused on Vercel
  PORTCULLIS_BENCH_FLOOR: bool.default(false),
  PORTCULLIS_PRODUCT_NAME: z.string().min(1).default("portcullis"),
});

export type Env = z.infer<typeof configSchema>;

export interface Config extends Readonly<Env> {
  readonly databaseUrl: string | null;
  readonly driver: "pg" | "vercel" | "pglite";
  readonly production: boolean;
  readonly secureCookies: boolean;
  readonly origins: readonly string[];
  readonly clientIpHeader: string;
  readonly clientIpSource: ClientIpSource;
  readonly cronSecret: string | null;
  readonly totpKeys: ReadonlyMap<string, string>;
  readonly totpCurrentKeyId: string;
  readonly mailTransport: "outbox" | "smtp";
  readonly passwordHashThreads: number;
  readonly issuer: string;
  /** The configured social sign-in providers, in the order the sign-in page shows them. */
  readonly socialProviders: readonly SocialProviderConfig[];
  /** WebAuthn relying party: APP_URL's host name (the RP ID) and origin (the only accepted origin). */
  readonly passkeyRp: { readonly id: string; readonly origin: string };
}

export class ConfigError extends Error {}

/** Hashes a password change may cost: the current password, the history, the new hash. */
export function passwordChangeHashCost(cfg: Pick<Env, "PASSWORD_HISTORY_COUNT">): number {
  return 2 + cfg.PASSWORD_HISTORY_COUNT;
}

function describe(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`).join("; ");
}

/**
 * Where the client IP comes from (lib/http/client-ip.ts). On Vercel the platform header;
 * elsewhere production needs an explicit CLIENT_IP_HEADER (development guesses x-real-ip), and
 * X-Forwarded-For only with the number of trusted proxies that append to it.
 */
function chooseClientIpSource(env: Env, onVercel: boolean, production: boolean): ClientIpSource {
  const header = env.CLIENT_IP_HEADER ?? (onVercel ? "x-vercel-forwarded-for" : null);
  if (!header && production) {
    throw new ConfigError(
      "CLIENT_IP_HEADER is required in production outside Vercel: the header your reverse proxy overwrites with the " +
        "client address (e.g. x-real-ip), x-forwarded-for with CLIENT_IP_PROXY_HOPS, or none (see " +
        "docs/security/client-ip.md)",
    );
  }
  const name = header ?? "x-real-ip";
  if (name === "x-forwarded-for" && env.CLIENT_IP_PROXY_HOPS === undefined) {
    throw new ConfigError(
      "CLIENT_IP_PROXY_HOPS is required with CLIENT_IP_HEADER=x-forwarded-for: the number of trusted proxies that " +
        "append to it (its leftmost entries are chosen by the client)",
    );
  }
  if (name !== "x-forwarded-for" && env.CLIENT_IP_PROXY_HOPS !== undefined) {
    throw new ConfigError("CLIENT_IP_PROXY_HOPS applies only to CLIENT_IP_HEADER=x-forwarded-for");
  }
  return {
    header: name === "none" ? null : name,
    proxyHops: env.CLIENT_IP_PROXY_HOPS ?? 0,
    platform: onVercel && name === "x-vercel-forwarded-for",
  };
}

/** A provider is on when both its client id and secret are set; one without the other is a mistake. */
function credentials(env: Env, prefix: "GOOGLE" | "MICROSOFT" | "GITHUB" | "OIDC"): { clientId: string; clientSecret: string } | null {
  const clientId = env[`${prefix}_CLIENT_ID`];
  const clientSecret = env[`${prefix}_CLIENT_SECRET`];
  if (!clientId && !clientSecret) return null;
  if (!clientId || !clientSecret) throw new ConfigError(`${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET must be set together`);
  return { clientId, clientSecret };
}

function chooseSocialProviders(env: Env, production: boolean): SocialProviderConfig[] {
  const providers: SocialProviderConfig[] = [];
  const google = credentials(env, "GOOGLE");
  if (google) providers.push({ id: "google", kind: "oidc", label: "Google", issuer: env.GOOGLE_ISSUER, ...google, trustEmail: "google" });
  const microsoft = credentials(env, "MICROSOFT");
  if (microsoft) {
    const issuer =
      env.MICROSOFT_ISSUER ?? (env.MICROSOFT_TENANT_ID ? `https://login.microsoftonline.com/${env.MICROSOFT_TENANT_ID}/v2.0` : null);
    if (!issuer) throw new ConfigError("MICROSOFT_TENANT_ID is required with MICROSOFT_CLIENT_ID (the Entra ID tenant id)");
    providers.push({ id: "microsoft", kind: "oidc", label: "Microsoft", issuer, ...microsoft, trustEmail: "never" });
  }
  const github = credentials(env, "GITHUB");
  if (github) {
    providers.push({ id: "github", kind: "github", label: "GitHub", issuer: env.GITHUB_URL, apiUrl: env.GITHUB_API_URL, ...github });
  }
  const oidc = credentials(env, "OIDC");
  if (oidc && !env.OIDC_ISSUER)
    throw new ConfigError("OIDC_ISSUER is required with OIDC_CLIENT_ID (the issuer whose discovery document to read)");
  if (oidc && env.OIDC_ISSUER) {
    const trustEmail = env.OIDC_TRUST_EMAIL_VERIFIED ? "claim" : "never";
    providers.push({ id: "oidc", kind: "oidc", label: env.OIDC_NAME, issuer: env.OIDC_ISSUER, ...oidc, trustEmail });
  }
  for (const p of providers) {
    const urls = p.kind === "github" ? [p.issuer, p.apiUrl] : [p.issuer];
    if (production && urls.some((u) => !u.startsWith("https://"))) {
      throw new ConfigError(`${p.id.toUpperCase()}: provider URLs must be https in production`);
    }
  }
  return providers;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * CAPTCHA (lib/captcha/): on when CAPTCHA_SITEVERIFY_URL is set, which then needs the secret (the
 * server's check), the site key and the widget script (the pages'); http(s) URLs, https in
 * production unless on this machine; CSP sources as plain origins (they go into the page policy).
 */
function checkCaptchaConfig(env: Env, production: boolean): void {
  const parts = { CAPTCHA_SECRET: env.CAPTCHA_SECRET, CAPTCHA_SITE_KEY: env.CAPTCHA_SITE_KEY, CAPTCHA_SCRIPT_URL: env.CAPTCHA_SCRIPT_URL };
  if (!env.CAPTCHA_SITEVERIFY_URL) {
    const stray =
      Object.entries(parts).find(([, v]) => v !== undefined)?.[0] ?? (env.CAPTCHA_CSP_SOURCES.length ? "CAPTCHA_CSP_SOURCES" : null);
    if (stray) throw new ConfigError(`${stray} is set but CAPTCHA_SITEVERIFY_URL is not: set it to turn the CAPTCHA on, or unset ${stray}`);
    return;
  }
  for (const [name, value] of Object.entries(parts)) {
    if (value === undefined) throw new ConfigError(`${name} is required when CAPTCHA_SITEVERIFY_URL is set (docs/security/captcha.md)`);
  }
  for (const name of ["CAPTCHA_SITEVERIFY_URL", "CAPTCHA_SCRIPT_URL"] as const) {
    const url = new URL(env[name]!);
    if (!/^https?:$/.test(url.protocol)) throw new ConfigError(`${name} must be an http(s) URL`);
    if (production && url.protocol !== "https:" && !LOCAL_HOSTS.has(url.hostname)) {
      throw new ConfigError(`${name} must be https in production (http only on localhost)`);
    }
  }
  for (const source of env.CAPTCHA_CSP_SOURCES) {
    const match = /^(https?):\/\/(\*\.)?([a-z0-9.-]+|\[::1\])(:\d{1,5})?$/i.exec(source);
    if (!match || (production && match[1] !== "https" && !LOCAL_HOSTS.has(match[3]!))) {
      throw new ConfigError(
        `CAPTCHA_CSP_SOURCES: "${source}" is not an origin like https://challenges.cloudflare.com or https://*.hcaptcha.com`,
      );
    }
  }
}

function chooseDriver(env: Env, url: string | null): Config["driver"] {
  if (env.PORTCULLIS_DB_DRIVER !== "auto") return env.PORTCULLIS_DB_DRIVER;
  if (!url) return "pglite";
  const host = new URL(url).hostname;
  return host.endsWith(".neon.tech") || host.includes("-pooler.") || host.endsWith(".vercel-storage.com") ? "vercel" : "pg";
}

/** Parses `kid:base64key,kid2:base64key` into an ordered map; the first entry encrypts. */
function parseKeyRing(_name: string, value: string): Map<string, string> {
  const ring = new Map<string, string>();
  for (const entry of value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [kid, key] = entry.split(":");
    if (!kid || !key || Buffer.from(key, "base64").length !== 32) {
      throw new ConfigError(`TOTP_ENCRYPTION_KEYS: each entry must be "kid:<32 bytes base64>"`);
    }
    ring.set(kid, key);
  }
  return ring;
}

const generated: Record<string, string> = {};

function devSecret(name: string, make: () => string): string {
  generated[name] ??= make();
  return generated[name];
}

export function parseConfig(raw: Record<string, string | undefined>): Config {
  // An empty variable (KEY= in a copied .env.example) means "not set".
  const source = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = configSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describe(parsed.error.issues)}`);
  const env = parsed.data;
  const onVercel = env.VERCEL === "1" || env.VERCEL_ENV !== undefined;
  // PORTCULLIS_TEST_BUILD is inlined by `next build` (next.config.ts): "1" only in the test
  // build, which runs as production but with development's generated secrets and PGlite. In a
  // production build this is the constant false; no variable set at run time can change it.
  const testBuild = process.env.PORTCULLIS_TEST_BUILD === "1";
  const production = env.NODE_ENV === "production" && !testBuild;
  if (testBuild && onVercel) throw new ConfigError("PORTCULLIS_BUILD=test: a test build cannot run on Vercel");
  if (env.PORTCULLIS_BENCH_FLOOR && onVercel) {
    throw new ConfigError("PORTCULLIS_BENCH_FLOOR: the benchmark floor route cannot be enabled on Vercel");
  }
  const databaseUrl = env.POSTGRES_URL ?? env.DATABASE_URL ?? null;
  const missing = (name: string) => new ConfigError(`${name} is required in production (run \`npm run secrets\`)`);

  const cronSecret = env.CRON_SECRET ?? null;
  if (!cronSecret && production) throw missing("CRON_SECRET");

  let totpRaw = env.TOTP_ENCRYPTION_KEYS;
  if (!totpRaw) {
    if (production) throw missing("TOTP_ENCRYPTION_KEYS");
    totpRaw = devSecret("TOTP_ENCRYPTION_KEYS", () => `dev1:${Buffer.from(randomBytes(32)).toString("base64")}`);
  }
  const totpKeys = parseKeyRing("TOTP_ENCRYPTION_KEYS", totpRaw);
  if (production && !env.JWT_SIGNING_KEYS) throw missing("JWT_SIGNING_KEYS");
  if (production && !databaseUrl) throw missing("POSTGRES_URL");
  // Without SMTP, mail is only written to mail_outbox: in production that must be a choice.
  if (production && !env.MAIL_TRANSPORT && !env.SMTP_URL) {
    throw new ConfigError(
      "MAIL_TRANSPORT is required in production: smtp (with SMTP_URL), or outbox if you deliver mail_outbox rows yourself",
    );
  }

  const appOrigin = new URL(env.APP_URL).origin;
  const config: Config = {
    ...env,
    databaseUrl,
    driver: chooseDriver(env, databaseUrl),
    production,
    secureCookies: appOrigin.startsWith("https://"),
    origins: [appOrigin, ...env.ALLOWED_ORIGINS.map((o) => new URL(o).origin)],
    clientIpHeader: env.CLIENT_IP_HEADER ?? (onVercel ? "x-vercel-forwarded-for" : "x-real-ip"),
    clientIpSource: chooseClientIpSource(env, onVercel, production),
    cronSecret,
    totpKeys,
    totpCurrentKeyId: [...totpKeys.keys()][0]!,
    mailTransport: env.MAIL_TRANSPORT ?? (env.SMTP_URL ? "smtp" : "outbox"),
    passwordHashThreads: env.PASSWORD_HASH_THREADS ?? 0,
    issuer: env.JWT_ISSUER ?? appOrigin,
    socialProviders: chooseSocialProviders(env, production),
    passkeyRp: { id: new URL(env.APP_URL).hostname, origin: appOrigin },
  };
  if (env.ALERT_WEBHOOK_URL && !env.ALERT_WEBHOOK_SECRET) {
    throw new ConfigError(
      "ALERT_WEBHOOK_SECRET (at least 32 characters, e.g. `openssl rand -hex 32`) is required when ALERT_WEBHOOK_URL is set",
    );
  }
  if (env.ALERT_WEBHOOK_URL && !/^https?:$/.test(new URL(env.ALERT_WEBHOOK_URL).protocol)) {
    throw new ConfigError("ALERT_WEBHOOK_URL must be an http(s) URL");
  }
  checkCaptchaConfig(env, production);
  if (config.mailTransport === "smtp" && !env.SMTP_URL) throw new ConfigError("SMTP_URL is required when MAIL_TRANSPORT=smtp");
  // A password change (lib/rate-limit/hash-budget.ts) must fit in one window's budget (the
  // schema's minimum of 10 covers a set of backup codes).
  const changeCost = passwordChangeHashCost(env);
  if (env.HASH_BUDGET_PER_USER < changeCost || env.HASH_BUDGET_PER_IP < changeCost) {
    throw new ConfigError(`HASH_BUDGET_PER_USER and HASH_BUDGET_PER_IP must be at least ${changeCost} (2 + PASSWORD_HISTORY_COUNT)`);
  }
  if (env.SESSION_IDLE_TIMEOUT_SECONDS > env.SESSION_ABSOLUTE_TIMEOUT_SECONDS) {
    throw new ConfigError("SESSION_IDLE_TIMEOUT_SECONDS must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS");
  }
  return Object.freeze(config);
}

/** Secrets generated for development, to print once. */
export function generatedSecrets(): Readonly<Record<string, string>> {
  return generated;
}

let current: Config | null = null;

export function config(): Config {
  if (!current) {
    current = parseConfig(process.env);
    const made = Object.entries(generated);
    if (made.length > 0 && process.env.PORTCULLIS_TEST_BUILD !== "1") {
      // Development only (production refuses to start without them): print once, so that a
      // developer can pin them in .env.local and keep TOTP secrets readable across restarts.
      console.info(
        `[config] generated development secrets (put them in .env.local to keep them):\n${made.map(([k, v]) => `${k}=${v}`).join("\n")}`,
      );
    }
  }
  return current;
}

/** A fresh production secret, for `npm run secrets` and development defaults. */
export function newSecret(bytes = MIN_SECRET_CHARS): string {
  return base64url(randomBytes(bytes));
}
