import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { webhookRetryDelaySeconds, webhookSignature } from "../../lib/alerts/webhook";
import { evaluationWindowStart, MAX_LOOKBACK_SECONDS } from "../../lib/alerts/notify";

describe("lib/alerts: webhook signature, backoff, evaluation window", () => {
  it("signs t.<body> with HMAC-SHA256 under the secret, as node:crypto computes it", () => {
    const at = new Date("2026-12-01T09:00:00.000Z");
    const body = '{"type":"portcullis.security_alerts","alerts":[]}';
    const expected = createHmac("sha256", "k".repeat(32)).update(`1796115600.${body}`).digest("hex");
    expect(webhookSignature("k".repeat(32), body, at)).toBe(`t=1796115600,v1=${expected}`);
  });

  it("waits 1, 4, 16, 64 and 256 minutes between attempts", () => {
    expect([1, 2, 3, 4, 5].map(webhookRetryDelaySeconds)).toEqual([60, 240, 960, 3840, 15360]);
  });

  it("starts the window at the earlier of the watermark and the sliding window, at most 7 days back", () => {
    const now = new Date("2026-12-01T09:00:00Z");
    const hourAgo = new Date("2026-12-01T08:00:00Z");
    expect(evaluationWindowStart(now, new Date("2026-12-01T08:55:00Z"), 60)).toEqual(hourAgo);
    expect(evaluationWindowStart(now, null, 60)).toEqual(hourAgo);
    expect(evaluationWindowStart(now, new Date("2026-11-30T09:00:00Z"), 60)).toEqual(new Date("2026-11-30T09:00:00Z"));
    expect(evaluationWindowStart(now, new Date("2026-01-01T00:00:00Z"), 60)).toEqual(new Date(now.getTime() - MAX_LOOKBACK_SECONDS * 1000));
  });
});
