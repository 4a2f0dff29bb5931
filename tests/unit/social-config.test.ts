import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../lib/config";
import { oidcIdentity } from "../../lib/social/identity";

const KEY = Buffer.alloc(32, 7).toString("base64");
const PRODUCTION: Record<string, string> = {
  NODE_ENV: "production",
  POSTGRES_URL: "postgres://app:secret@db.internal.example:5432/portcullis",
  CRON_SECRET: "a-long-enough-cron-secret-value-0123",
  TOTP_ENCRYPTION_KEYS: `k2:${KEY}`,
  JWT_SIGNING_KEYS: "[]",
  APP_URL: "https://auth.example.com",
  CLIENT_IP_HEADER: "x-real-ip",
  MAIL_TRANSPORT: "outbox",
};

function failure(raw: Record<string, string>): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted the environment");
}

describe("social providers from configuration", () => {
  it("offers no provider when none is configured", () => {
    expect(parseConfig({}).socialProviders).toEqual([]);
  });

  it("offers exactly the providers whose client id and secret are set, in a fixed order", () => {
    const cfg = parseConfig({
      GITHUB_CLIENT_ID: "gh",
      GITHUB_CLIENT_SECRET: "s",
      GOOGLE_CLIENT_ID: "g",
      GOOGLE_CLIENT_SECRET: "s",
      OIDC_ISSUER: "https://idp.example.com",
      OIDC_CLIENT_ID: "o",
      OIDC_CLIENT_SECRET: "s",
      OIDC_NAME: "Acme",
    });
    expect(cfg.socialProviders.map((p) => [p.id, p.label, p.issuer])).toEqual([
      ["google", "Google", "https://accounts.google.com"],
      ["github", "GitHub", "https://github.com"],
      ["oidc", "Acme", "https://idp.example.com"],
    ]);
  });

  it("derives the Entra ID issuer from the tenant and refuses Microsoft without one", () => {
    const cfg = parseConfig({ MICROSOFT_CLIENT_ID: "m", MICROSOFT_CLIENT_SECRET: "s", MICROSOFT_TENANT_ID: "contoso.onmicrosoft.com" });
    expect(cfg.socialProviders[0]).toMatchObject({
      id: "microsoft",
      issuer: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
    });
    expect(failure({ MICROSOFT_CLIENT_ID: "m", MICROSOFT_CLIENT_SECRET: "s" })).toContain("MICROSOFT_TENANT_ID");
  });

  it("refuses a client id without its secret, and a generic client without an issuer", () => {
    expect(failure({ GOOGLE_CLIENT_ID: "g" })).toContain("GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET");
    expect(failure({ OIDC_CLIENT_ID: "o", OIDC_CLIENT_SECRET: "s" })).toContain("OIDC_ISSUER");
  });

  it("refuses plain-http provider URLs in production", () => {
    const env = { ...PRODUCTION, OIDC_ISSUER: "http://idp.example.com", OIDC_CLIENT_ID: "o", OIDC_CLIENT_SECRET: "s" };
    expect(failure(env)).toContain("https");
  });
});

describe("email authority of an OpenID identity", () => {
  const claims = (email: string, verified: boolean, extra: Record<string, unknown> = {}) => ({
    sub: "1",
    email,
    email_verified: verified,
    ...extra,
  });

  it("Google: a verified Gmail or hosted-domain address, nothing else", () => {
    expect(oidcIdentity("google", claims("a@gmail.com", true)).emailVerified).toBe(true);
    expect(oidcIdentity("google", claims("a@corp.example", true, { hd: "corp.example" })).emailVerified).toBe(true);
    expect(oidcIdentity("google", claims("a@corp.example", true)).emailVerified).toBe(false);
    expect(oidcIdentity("google", claims("a@gmail.com", false)).emailVerified).toBe(false);
  });

  it("Microsoft: never; a generic issuer: its claim only when trusted", () => {
    expect(oidcIdentity("never", claims("a@contoso.com", true)).emailVerified).toBe(false);
    expect(oidcIdentity("claim", claims("a@acme.example", true)).emailVerified).toBe(true);
    expect(oidcIdentity("claim", claims("a@acme.example", false)).emailVerified).toBe(false);
  });

  it("keys on sub, and refuses claims without one", () => {
    expect(oidcIdentity("claim", { sub: "abc" })).toEqual({ subject: "abc", email: null, emailVerified: false, name: null });
    expect(() => oidcIdentity("claim", { email: "a@b.example" })).toThrow("invalid_claims");
  });
});
