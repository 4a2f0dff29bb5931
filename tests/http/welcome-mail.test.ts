/**
 * The welcome mail states the verification link's real lifetime (issue 10 item 16): a second
 * `next start` of the same build runs with EMAIL_VERIFICATION_TTL_SECONDS=5400 (and its own
 * in-memory PGlite database), and the mail it queues at sign-up says "90 minutes".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPortcullis, type StartedServer } from "../support/portcullis-server";
import { GOOD_PASSWORD, uniqueEmail } from "../support/http";
import { TEST_APP_URL, TEST_CRON_SECRET, TEST_ORIGIN } from "../support/env";

describe("welcome mail with EMAIL_VERIFICATION_TTL_SECONDS=5400", () => {
  let server: StartedServer | null = null;

  beforeAll(async () => {
    server = await startPortcullis("ttl", {
      APP_URL: TEST_APP_URL,
      CRON_SECRET: TEST_CRON_SECRET,
      EMAIL_VERIFICATION_TTL_SECONDS: "5400",
    });
  }, 240_000);

  afterAll(() => server?.stop());

  it("says the link is valid for 90 minutes, not 24 hours", async () => {
    const email = uniqueEmail("ttl");
    const reg = await fetch(`${server!.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: TEST_ORIGIN, "x-real-ip": "10.88.0.1" },
      body: JSON.stringify({ email, password: GOOD_PASSWORD }),
    });
    expect(reg.status).toBe(201);
    const rows = await server!.sql<{ text_body: string }>(
      "SELECT text_body FROM mail_outbox WHERE to_address = $1 AND template = 'welcome'",
      [email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.text_body).toContain("valid for 90 minutes");
    expect(rows[0]!.text_body).not.toContain("24 hours");
  });
});
