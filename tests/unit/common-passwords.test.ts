import { describe, expect, it } from "vitest";
import { commonPasswordCount, isCommonPassword } from "../../lib/passwords/blocklist";
import { COMMON_PASSWORDS } from "../../lib/passwords/common-passwords";

describe("common-password list", () => {
  it("ships a few hundred listed passwords of 8+ characters, expanded to thousands of entries", () => {
    const listed = COMMON_PASSWORDS.split(/\s+/).filter(Boolean);
    expect(listed.length).toBeGreaterThanOrEqual(500);
    expect(listed.every((p) => [...p].length >= 8)).toBe(true);
    expect(commonPasswordCount).toBeGreaterThanOrEqual(10000);
  });

  it.each([
    "123456789012345",
    "passwordpassword",
    "qwertyuiopasdfgh",
    "iloveyouiloveyou",
    "correcthorsebatterystaple",
    "Correct Horse Battery Staple",
    "PASSWORD123456789",
    "Password2024!",
    "Summer2025!",
    "monkeymonkeymonkey",
    "abcabcabcabcabc",
    "zzzzzzzzzzzzzzz",
    "abcdefghijklmnop",
    "987654321098765",
    "qwertyuiop1234567890",
    "Ｐａｓｓｗｏｒｄ１２３４５６７８９",
  ])("refuses %s", (password) => {
    expect(isCommonPassword(password)).toBe(true);
  });

  it.each(["plenty long passphrase for tests", "violet tractor umbrella kettle", "my 3 cats sleep on the piano", "Tr0ub4dor&3xyzzy!"])(
    "accepts %s",
    (password) => {
      expect(isCommonPassword(password)).toBe(false);
    },
  );

  it("answers in well under a millisecond per lookup", () => {
    const started = performance.now();
    for (let i = 0; i < 10000; i++) isCommonPassword(`an ordinary passphrase number ${i}`);
    expect((performance.now() - started) / 10000).toBeLessThan(0.5);
  });
});
