/**
 * The pages over plain HTTP (no browser): signed-out visitors of account and admin pages are
 * redirected to /sign-in?returnTo=..., a non-admin gets a 403 on /admin, personal pages are
 * never cacheable, a signed-in visitor of /sign-in is sent on to a safe returnTo only, and an
 * admin without a verified second factor is sent to /admin/second-factor (enrol or step up).
 */
import { describe, expect, it } from "vitest";
import { Client, signedInClient } from "../support/http";
import { clientFor, enrolTotp, grantRole } from "../support/principals";

describe("pages", () => {
  it.each(["/account", "/account/security", "/account/activity", "/admin", "/admin/audit", "/admin/alerts", "/admin/roles"])(
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

  it("sends an admin's aal1 session to /admin/second-factor: enrolment first, then a step-up form, and an aal2 session straight back", async () => {
    const member = await signedInClient();
    await grantRole(member.userId, "admin");
    const page = await member.client.get("/admin/roles");
    expect([303, 307]).toContain(page.status);
    expect(page.headers.get("location")).toBe(`/admin/second-factor?returnTo=${encodeURIComponent("/admin/roles")}`);
    const enrol = await member.client.get("/admin/second-factor?returnTo=%2Fadmin%2Froles");
    expect(enrol.status).toBe(200);
    expect(enrol.text).toContain("Set up two-step verification first");
    expect(enrol.text).toContain('href="/account/security"');

    const enrolled = await enrolTotp(member);
    const stepped = await enrolled.client.get("/admin/second-factor?returnTo=%2Fadmin%2Froles");
    expect([303, 307]).toContain(stepped.status);
    expect(stepped.headers.get("location")).toBe("/admin/roles");
    expect((await enrolled.client.get("/admin/roles")).status).toBe(200);

    const aal1 = await clientFor(member.userId);
    const stepUp = await aal1.get("/admin/second-factor?returnTo=https%3A%2F%2Fevil.example");
    expect(stepUp.status).toBe(200);
    expect(stepUp.text).toContain("Confirm it is you with a code");
  });
});
