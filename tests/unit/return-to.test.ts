import { describe, expect, it } from "vitest";
import { safeReturnTo, signInPath } from "../../app/_lib/return-to";

describe("safeReturnTo", () => {
  it.each([
    ["https://evil.example"],
    ["//evil.example"],
    ["/\\evil.example"],
    ["\\\\evil.example"],
    ["/\t/evil.example"],
    [" /account"],
    ["javascript:alert(1)"],
    ["http:/evil.example"],
    ["account"],
    [""],
    [undefined],
    [["/account"]],
    [`/${"a".repeat(2048)}`],
  ])("sends %j to /", (value) => {
    expect(safeReturnTo(value)).toBe("/");
  });

  it.each([
    ["/", "/"],
    ["/account", "/account"],
    ["/account/security?tab=mfa#devices", "/account/security?tab=mfa#devices"],
    [
      "/oauth/authorize?client_id=a&redirect_uri=https%3A%2F%2Fclient.example%2Fcb",
      "/oauth/authorize?client_id=a&redirect_uri=https%3A%2F%2Fclient.example%2Fcb",
    ],
    ["/a/../b", "/b"],
  ])("keeps the same-origin path %j", (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });

  it("builds the sign-in address with the path encoded", () => {
    expect(signInPath("/account/activity")).toBe("/sign-in?returnTo=%2Faccount%2Factivity");
    expect(signInPath("//evil.example")).toBe("/sign-in?returnTo=%2F");
  });
});
