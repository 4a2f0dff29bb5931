/**
 * The pages over plain HTTP (no browser): signed-out visitors of account and admin pages are
 * redirected to /sign-in?returnTo=..., a non-admin gets a 403 on /admin, personal pages are
 * never cacheable, and a signed-in visitor of /sign-in is sent on to a safe returnTo only.
 */
import { describe, expect, it } from "vitest";
import { Client, signedInClient } from "../support/http";

describe("pages", () => {
  it.each(["/account", "/account/security", "/account/activity", "/admin", "/admin/audit", "/admin/alerts"])(
    "redirects a signed-out visitor of %s to /sign-in with returnTo",
    async (path) => {
      const res = await new Client().get(path);
      expect([303, 307]).toContain(res.status);
      expect(res.headers.get("location")).toBe(`/sign-in?returnTo=${encodeURIComponent(path)}`);
    },
  );

  it("serves /account to its owner with no-store, and /admin to a non-admin as a 403 page", async () => {
    const { client, email } = await signedInClient();
    const account = await client.get("/account");
    expect(account.status).toBe(200);
    expect(account.headers.get("cache-control")).toContain("no-store");
    expect(account.text).toContain(email);
    const admin = await client.get("/admin");
    expect(admin.status).toBe(403);
    expect(admin.text).toContain("You do not have access to this page");
    expect(admin.text).not.toContain("users-title");
  });

  it.each([
    ["https://evil.example", "/"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["/account/activity", "/account/activity"],
  ])("sends a signed-in visitor of /sign-in?returnTo=%s to %s", async (returnTo, expected) => {
    const { client } = await signedInClient();
    const res = await client.get(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
    expect([303, 307]).toContain(res.status);
    expect(res.headers.get("location")).toBe(expected);
  });
});
