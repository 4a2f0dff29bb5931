import { describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair } from "jose";
import { ConfigError, parseConfig } from "../../lib/config";

const KEY = Buffer.alloc(32, 7).toString("base64");
const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const JWKS = JSON.stringify([{ ...(await exportJWK(privateKey)), kid: "k1", alg: "EdDSA", use: "sig" }]);

/** A complete production environment; each test removes or breaks one thing. */
const PRODUCTION: Record<string, string> = {
  NODE_ENV: "production",
  POSTGRES_URL: "postgres://app:secret@db.internal.example:5432/portcullis",
  CRON_SECRET: "a-long-enough-cron-secret-value-0123",
  TOTP_ENCRYPTION_KEYS: `k2:${KEY}`,
  JWT_SIGNING_KEYS: JWKS,
  APP_URL: "https://auth.example.com",
  CLIENT_IP_HEADER: "x-real-ip",
  MAIL_TRANSPORT: "smtp",
  SMTP_URL: "smtps://mailer:secret@smtp.example.com:465",
};

function without(env: Record<string, string>, name: string): Record<string, string> {
  const copy = { ...env };
  delete copy[name];
  return copy;
}

function failure(raw: Record<string, string | undefined>): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted the environment");
}

describe("lib/config.ts: malformed values", () => {
  it.each([
    ["DB_POOL_MAX", "lots"],
    ["DB_POOL_MAX", "0"],
    ["SESSION_IDLE_TIMEOUT_SECONDS", "-5"],
    ["APP_URL", "not a url"],
    ["POSTGRES_URL", "the database"],
    ["MAIL_TRANSPORT", "pigeon"],
    ["PORTCULLIS_DB_DRIVER", "mysql"],
    ["CRON_SECRET", "short"],
    ["BREACHED_PASSWORD_FAIL_MODE", "sometimes"],
    ["CLIENT_IP_HEADER", "X Forwarded For"],
  ])("refuses %s=%j with a message that names the variable", (name, value) => {
    expect(failure({ [name]: value })).toContain(name);
  });

  it("refuses a malformed TOTP key ring, naming TOTP_ENCRYPTION_KEYS", () => {
    expect(failure({ TOTP_ENCRYPTION_KEYS: "k1:dG9vIHNob3J0" })).toContain("TOTP_ENCRYPTION_KEYS");
    expect(failure({ TOTP_ENCRYPTION_KEYS: `no-colon-${KEY}` })).toContain("TOTP_ENCRYPTION_KEYS");
  });

  it("refuses an idle timeout longer than the absolute timeout, naming both", () => {
    const message = failure({ SESSION_IDLE_TIMEOUT_SECONDS: "7200", SESSION_ABSOLUTE_TIMEOUT_SECONDS: "3600" });
    expect(message).toContain("SESSION_IDLE_TIMEOUT_SECONDS");
    expect(message).toContain("SESSION_ABSOLUTE_TIMEOUT_SECONDS");
  });

  it("refuses MAIL_TRANSPORT=smtp without SMTP_URL", () => {
    expect(failure({ MAIL_TRANSPORT: "smtp" })).toContain("SMTP_URL");
  });

  it("refuses ALERT_WEBHOOK_URL without ALERT_WEBHOOK_SECRET, a short secret, and a non-http(s) URL", () => {
    const url = "https://hooks.example.com/portcullis";
    const secret = "s".repeat(32);
    expect(failure({ ALERT_WEBHOOK_URL: url })).toContain("ALERT_WEBHOOK_SECRET");
    expect(failure({ ALERT_WEBHOOK_URL: url, ALERT_WEBHOOK_SECRET: "too short" })).toContain("ALERT_WEBHOOK_SECRET");
    expect(failure({ ALERT_WEBHOOK_URL: "ftp://hooks.example.com/x", ALERT_WEBHOOK_SECRET: secret })).toContain("ALERT_WEBHOOK_URL");
    expect(parseConfig({ ALERT_WEBHOOK_URL: url, ALERT_WEBHOOK_SECRET: secret }).ALERT_WEBHOOK_URL).toBe(url);
  });

  it("returns a frozen object", () => {
    const cfg = parseConfig({});
    expect(Object.isFrozen(cfg)).toBe(true);
  });
});

describe("lib/config.ts: production", () => {
  it("refuses to start with neither SMTP nor an explicit outbox choice (issue 10 item 6)", () => {
    const message = failure(without(without(PRODUCTION, "MAIL_TRANSPORT"), "SMTP_URL"));
    expect(message).toContain("MAIL_TRANSPORT");
    expect(parseConfig({ ...without(without(PRODUCTION, "MAIL_TRANSPORT"), "SMTP_URL"), MAIL_TRANSPORT: "outbox" }).mailTransport).toBe(
      "outbox",
    );
    expect(parseConfig(without(PRODUCTION, "MAIL_TRANSPORT")).mailTransport).toBe("smtp");
    // development keeps the outbox default
    expect(parseConfig({}).mailTransport).toBe("outbox");
  });

  it("starts with the complete set of secrets and keeps them", () => {
    const cfg = parseConfig(PRODUCTION);
    expect(cfg.production).toBe(true);
    expect(cfg.cronSecret).toBe(PRODUCTION.CRON_SECRET);
    expect(cfg.totpCurrentKeyId).toBe("k2");
    expect(cfg.databaseUrl).toBe(PRODUCTION.POSTGRES_URL);
  });

  it.each(["CRON_SECRET", "TOTP_ENCRYPTION_KEYS", "JWT_SIGNING_KEYS", "POSTGRES_URL"])("refuses to start without %s, naming it", (name) => {
    expect(failure(without(PRODUCTION, name))).toContain(name);
  });

  it("accepts DATABASE_URL in place of POSTGRES_URL", () => {
    const cfg = parseConfig({ ...without(PRODUCTION, "POSTGRES_URL"), DATABASE_URL: "postgres://app@db.internal.example/app" });
    expect(cfg.databaseUrl).toBe("postgres://app@db.internal.example/app");
  });

  it.each(["CRON_SECRET", "TOTP_ENCRYPTION_KEYS", "JWT_SIGNING_KEYS", "POSTGRES_URL"])(
    "counts an empty %s (KEY= copied from .env.example) as unset",
    (name) => {
      const message = failure({ ...PRODUCTION, [name]: "" });
      expect(message).toContain(name);
      expect(message).toMatch(/required in production/);
    },
  );

  it("generates development secrets but never production ones", () => {
    const dev = parseConfig({ NODE_ENV: "development" });
    expect(dev.production).toBe(false);
    expect(dev.totpKeys.size).toBe(1);
    expect(dev.cronSecret).toBeNull();
  });
});

describe("lib/config.ts: no variable switches production off (docs/security/test-hooks.md)", () => {
  it.each([{ PORTCULLIS_TEST_HOOKS: "1" }, { PORTCULLIS_TEST_BUILD: "1" }, { PORTCULLIS_BUILD: "test" }])(
    "%j leaves a production configuration in production, and a missing secret still refused",
    (extra) => {
      expect(parseConfig({ ...PRODUCTION, ...extra }).production).toBe(true);
      expect(failure({ ...without(PRODUCTION, "CRON_SECRET"), ...extra })).toContain("CRON_SECRET");
    },
  );

  it("leaves a Vercel deployment's client IP header to the platform", () => {
    const cfg = parseConfig({ ...without(PRODUCTION, "CLIENT_IP_HEADER"), VERCEL: "1", VERCEL_ENV: "production" });
    expect(cfg.clientIpHeader).toBe("x-vercel-forwarded-for");
  });
});

describe("lib/config.ts: client IP source", () => {
  it("refuses production outside Vercel without an explicit CLIENT_IP_HEADER (no guessed header)", () => {
    expect(failure(without(PRODUCTION, "CLIENT_IP_HEADER"))).toContain("CLIENT_IP_HEADER");
    expect(failure({ ...PRODUCTION, CLIENT_IP_HEADER: "" })).toContain("CLIENT_IP_HEADER");
  });

  it("trusts the platform header on Vercel without configuration", () => {
    const cfg = parseConfig({ ...without(PRODUCTION, "CLIENT_IP_HEADER"), VERCEL: "1" });
    expect(cfg.clientIpSource).toEqual({ header: "x-vercel-forwarded-for", proxyHops: 0, platform: true });
  });

  it("reads X-Forwarded-For only with the number of trusted proxies that append to it", () => {
    expect(failure({ ...PRODUCTION, CLIENT_IP_HEADER: "x-forwarded-for" })).toContain("CLIENT_IP_PROXY_HOPS");
    expect(failure({ ...PRODUCTION, CLIENT_IP_PROXY_HOPS: "1" })).toContain("CLIENT_IP_PROXY_HOPS");
    const cfg = parseConfig({ ...PRODUCTION, CLIENT_IP_HEADER: "x-forwarded-for", CLIENT_IP_PROXY_HOPS: "2" });
    expect(cfg.clientIpSource).toEqual({ header: "x-forwarded-for", proxyHops: 2, platform: false });
  });

  it("accepts CLIENT_IP_HEADER=none as the explicit choice of no client address", () => {
    expect(parseConfig({ ...PRODUCTION, CLIENT_IP_HEADER: "none" }).clientIpSource.header).toBeNull();
  });

  it("guesses x-real-ip in development only", () => {
    expect(parseConfig({}).clientIpSource).toEqual({ header: "x-real-ip", proxyHops: 0, platform: false });
  });
});

describe("lib/config.ts: empty variables", () => {
  it("treat KEY= as unset, so defaults apply", () => {
    const cfg = parseConfig({
      DB_POOL_MAX: "",
      APP_URL: "",
      POSTGRES_URL: "",
      DATABASE_URL: "",
      CRON_SECRET: "",
      PORTCULLIS_DB_DRIVER: "",
    });
    expect(cfg.DB_POOL_MAX).toBe(10);
    expect(cfg.APP_URL).toBe("http://localhost:3000");
    expect(cfg.databaseUrl).toBeNull();
    expect(cfg.driver).toBe("pglite");
    expect(cfg.cronSecret).toBeNull();
  });
});

describe("lib/config.ts: database driver", () => {
  it.each([
    ["postgres://u:p@ep-quiet-sun-123456.us-east-2.aws.neon.tech/neondb?sslmode=require", "vercel"],
    ["postgres://u:p@ep-quiet-sun-123456-pooler.us-east-2.aws.neon.tech/neondb", "vercel"],
    ["postgres://u:p@ep-x-123-pooler.us-east-1.postgres.vercel-storage.com:5432/verceldb", "vercel"],
    ["postgres://postgres@127.0.0.1:5432/app", "pg"],
    ["postgresql://app:pw@db.internal.example/app", "pg"],
    ["postgres://app@neon.tech.attacker.example/app", "pg"],
  ])("chooses the driver from the host of %s", (url, driver) => {
    expect(parseConfig({ POSTGRES_URL: url }).driver).toBe(driver);
    expect(parseConfig({ DATABASE_URL: url }).driver).toBe(driver);
  });

  it("uses PGlite when no URL is set", () => {
    expect(parseConfig({}).driver).toBe("pglite");
    expect(parseConfig({}).databaseUrl).toBeNull();
  });

  it("prefers POSTGRES_URL over DATABASE_URL", () => {
    const cfg = parseConfig({ POSTGRES_URL: "postgres://a@one.example/db", DATABASE_URL: "postgres://b@two.example/db" });
    expect(cfg.databaseUrl).toBe("postgres://a@one.example/db");
  });

  it.each([
    ["pg", "postgres://u:p@ep-x.us-east-2.aws.neon.tech/db"],
    ["vercel", "postgres://postgres@localhost:5432/db"],
    ["pglite", "postgres://postgres@localhost:5432/db"],
    ["pglite", undefined],
  ])("lets PORTCULLIS_DB_DRIVER=%s force the driver (url %s)", (driver, url) => {
    expect(parseConfig({ PORTCULLIS_DB_DRIVER: driver, POSTGRES_URL: url }).driver).toBe(driver);
  });
});
