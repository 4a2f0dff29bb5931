import { describe, expect, it } from "vitest";
import { clientIpFromHeaders, ipLimitSubject, parseIp, type ClientIpSource } from "../../lib/http/client-ip";

const proxy: ClientIpSource = { header: "x-real-ip", proxyHops: 0, platform: false };
const forwarded = (hops: number): ClientIpSource => ({ header: "x-forwarded-for", proxyHops: hops, platform: false });

describe("lib/http/client-ip.ts", () => {
  it.each([
    ["1.2.3.4", "1.2.3.4"],
    ["::1", "::1"],
    ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["::ffff:10.0.0.1", "10.0.0.1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
  ])("parses %j as %j", (raw, canonical) => {
    expect(parseIp(raw)).toBe(canonical);
  });

  it.each(["1::2::3", "fe80::1%eth0", "256.1.1.1", "01.2.3.4", "1.2.3", "1:2:3:4:5:6:7:8:9", "12345::1", "", "unknown", "1.2.3.4:80"])(
    "refuses %j",
    (raw) => {
      expect(parseIp(raw)).toBeNull();
    },
  );

  it("limits IPv6 by /64 and IPv4 by address", () => {
    expect(ipLimitSubject("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(ipLimitSubject("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(ipLimitSubject("10.1.2.3")).toBe("10.1.2.3");
  });

  it("takes exactly one address from a proxy-set header", () => {
    expect(clientIpFromHeaders(new Headers({ "x-real-ip": "10.0.0.1" }), proxy)).toBe("10.0.0.1");
    expect(clientIpFromHeaders(new Headers({ "x-real-ip": "6.6.6.6, 10.0.0.1" }), proxy)).toBeNull();
    expect(clientIpFromHeaders(new Headers(), proxy)).toBeNull();
  });

  it("takes the entry the outermost trusted proxy appended to X-Forwarded-For, never one the client wrote", () => {
    const headers = new Headers({ "x-forwarded-for": "6.6.6.6, 10.0.0.1, 10.0.0.2" });
    expect(clientIpFromHeaders(headers, forwarded(1))).toBe("10.0.0.2");
    expect(clientIpFromHeaders(headers, forwarded(2))).toBe("10.0.0.1");
    expect(clientIpFromHeaders(new Headers({ "x-forwarded-for": "10.0.0.2" }), forwarded(2))).toBeNull();
  });

  it("has no address when configured with none", () => {
    expect(clientIpFromHeaders(new Headers({ "x-real-ip": "10.0.0.1" }), { header: null, proxyHops: 0, platform: false })).toBeNull();
  });
});
