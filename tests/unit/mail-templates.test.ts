/** The mail texts: written as indented prose in lib/email/templates.ts, sent as plain paragraphs. */
import { describe, expect, it } from "vitest";
import { maskEmail, prose, templates } from "../../lib/email/templates";

describe("prose", () => {
  it("joins a paragraph's lines with one space and keeps blank lines as paragraph breaks", () => {
    const url = "https://auth.example.com/reset#token=abc";
    const text = prose`
      Someone asked to reset the password
      of your account:

      ${url}

      If you did not ask, ignore this message.`;
    expect(text).toBe(`Someone asked to reset the password of your account:\n\n${url}\n\nIf you did not ask, ignore this message.`);
  });

  it("keeps interpolated values as they are, line breaks included", () => {
    const list = ["- one", "- two"].join("\n");
    expect(prose`
      Found:

      ${list}`).toBe("Found:\n\n- one\n- two");
  });
});

describe("templates", () => {
  const messages = [
    templates.welcome("a@example.com", "https://x/verify", 5400),
    templates.passwordReset("a@example.com", "https://x/reset", 30),
    templates.securityAlerts("a@example.com", ["first finding", "second finding"], "https://x/admin/alerts"),
    templates.accountDeleted("a@example.com"),
  ];

  it.each(messages.map((m) => [m.template, m] as const))("%s has no source indentation, doubled spaces or stray line breaks", (_, m) => {
    expect(m.text).not.toMatch(/^\s|\s$| {2}|[^\n]\n[^\n-]/);
  });

  it("puts each link on its own paragraph and each alert on its own line", () => {
    expect(messages[0]!.text).toBe(
      "Welcome. Confirm your email address by opening this link (valid for 90 minutes):\n\nhttps://x/verify\n\n" +
        "If you did not sign up, ignore this message.",
    );
    expect(messages[2]!.text).toContain(":\n\n- first finding\n- second finding\n\nDetails: https://x/admin/alerts");
  });
});

describe("maskEmail", () => {
  it.each([
    ["alice@example.com", "a***@example.com"],
    ['"a@b"@example.com', '"***@example.com'],
  ])("masks %s as %s: the first character and the domain only", (address, masked) => {
    expect(maskEmail(address)).toBe(masked);
  });
});
