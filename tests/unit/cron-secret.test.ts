import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config";
import { hasBearerSecret } from "../../lib/http/bearer";

const OLD = "old-cron-secret-0123456789abcdef";
const NEW = "new-cron-secret-fedcba9876543210";

function cronRequest(authorization?: string): Request {
  return new Request("https://portcullis.test/api/cron/sessions", authorization === undefined ? {} : { headers: { authorization } });
}

describe("cron secret (checklist #68)", () => {
  it("accepts exactly `Bearer <secret>`", () => {
    const secret = parseConfig({ CRON_SECRET: NEW }).cronSecret;
    expect(hasBearerSecret(cronRequest(`Bearer ${NEW}`), secret)).toBe(true);
  });

  it.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["the bare secret without the Bearer scheme", NEW],
    ["another scheme", `Basic ${Buffer.from(`cron:${NEW}`).toString("base64")}`],
    ["a prefix of the secret", `Bearer ${NEW.slice(0, -1)}`],
    ["the secret with a suffix", `Bearer ${NEW}x`],
    ["the secret in a second Bearer", `Bearer x, Bearer ${NEW}`],
    ["a different secret of the same length", `Bearer ${NEW.replace(/.$/, "1")}`],
    ["an empty bearer", "Bearer "],
  ])("refuses %s", (_label, header) => {
    const secret = parseConfig({ CRON_SECRET: NEW }).cronSecret;
    expect(hasBearerSecret(cronRequest(header), secret)).toBe(false);
  });

  it("refuses the old secret once the secret is rotated, and accepts the new one", () => {
    const before = parseConfig({ CRON_SECRET: OLD }).cronSecret;
    const after = parseConfig({ CRON_SECRET: NEW }).cronSecret;
    expect(hasBearerSecret(cronRequest(`Bearer ${OLD}`), before)).toBe(true);
    expect(hasBearerSecret(cronRequest(`Bearer ${OLD}`), after)).toBe(false);
    expect(hasBearerSecret(cronRequest(`Bearer ${NEW}`), after)).toBe(true);
  });

  it("never matches when no secret is configured, whatever the request sends", () => {
    for (const env of [{}, { CRON_SECRET: "" }]) {
      const secret = parseConfig(env).cronSecret;
      expect(secret).toBeNull();
      for (const header of [undefined, "", "Bearer ", "Bearer undefined", "Bearer null", `Bearer ${NEW}`]) {
        expect(hasBearerSecret(cronRequest(header), secret)).toBe(false);
      }
    }
  });

  it("never matches an empty configured secret", () => {
    expect(hasBearerSecret(cronRequest("Bearer "), "")).toBe(false);
  });
});
