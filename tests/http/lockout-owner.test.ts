/**
 * Issue 10, item 4: knowing an email must not let anyone lock its owner out. Strangers'
 * failures lock untrusted clients only; a browser that signed in before (login-device cookie)
 * and the owner's live session have budgets of their own. The hard lock tells the truth (no
 * Retry-After: waiting does not end it) and the daily cleanup no longer forgets the failure
 * total under the cap.
 */
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Client, GOOD_PASSWORD, serverSql, signedInClient, uniqueEmail } from "../support/http";
import { TEST_CRON_SECRET } from "../support/env";

const WRONG = "a stranger's wrong guess";
const DEVICE_COOKIE = "__Host-portcullis_login_device";
const subject = (email: string) => createHash("sha256").update(email.toLowerCase()).digest("hex");

/** Ten wrong passwords from ten strangers (fresh IPs): the email is locked for untrusted clients. */
async function lockByStrangers(email: string): Promise<void> {
  for (let i = 0; i < 10; i++) expect((await new Client().post("/api/auth/login", { email, password: WRONG })).status).toBe(401);
  const stranger = await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD });
  expect(stranger.status).toBe(429);
  expect(stranger.body.error.code).toBe("too_many_requests");
}

async function ownerBrowser(): Promise<{ owner: Client; email: string }> {
  const email = uniqueEmail("owner");
  const owner = new Client();
  expect((await owner.post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
  expect((await owner.post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(200);
  return { owner, email };
}

describe("strangers cannot lock the owner out (issue 10 item 4, #18)", { timeout: 180_000 }, () => {
  it("a browser that signed in before gets a login-device cookie and still signs in while strangers hold the email locked", async () => {
    const { owner, email } = await ownerBrowser();
    const cookie = owner.cookie(DEVICE_COOKIE);
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const [row] = await serverSql("SELECT secret_hash, subject_hash FROM login_devices WHERE id = $1", [cookie!.split(".")[0]]);
    expect(row.subject_hash).toBe(subject(email));
    expect(row.secret_hash).toBe(createHash("sha256").update(cookie!.split(".")[1]!).digest("hex")); // only the hash is stored

    await lockByStrangers(email);
    const again = await owner.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(again.status).toBe(200);
    expect(owner.cookie(DEVICE_COOKIE)).not.toBe(cookie); // rotated on every success
    // the token route honours the (new) cookie too
    await lockByStrangers(email);
    expect((await owner.post("/api/auth/token", { email, password: GOOD_PASSWORD })).status).toBe(200);
  });

  it("a device cookie is good only for the email it proved, and has its own budget of 5 failures", async () => {
    const { owner, email } = await ownerBrowser();
    const other = await ownerBrowser();
    await lockByStrangers(email);
    // another account's device cookie is no pass for this email
    expect((await other.owner.post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(429);

    for (let i = 0; i < 5; i++) expect((await owner.post("/api/auth/login", { email, password: `owner typo ${i}` })).status).toBe(401);
    // the budget is spent: the browser is an untrusted client now, held by the lock like anyone
    const spent = await owner.post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect(spent.status).toBe(429);
    expect(await serverSql("SELECT failures FROM login_devices WHERE subject_hash = $1", [subject(email)])).toEqual([{ failures: 5 }]);
  });

  it("re-authentication and password change from the owner's live session are not blocked by strangers' failures", async () => {
    const { client, email } = await signedInClient({ email: uniqueEmail("owner") });
    await lockByStrangers(email);
    expect((await client.post("/api/auth/reauth", { password: GOOD_PASSWORD })).status).toBe(200);
    const changed = await client.post("/api/auth/password/change", {
      currentPassword: GOOD_PASSWORD,
      newPassword: "the owner's new passphrase",
    });
    expect(changed.status).toBe(200);
  });

  it("the hard lock answers sign_in_locked with no Retry-After (waiting does not end it), and the owner's browser still signs in", async () => {
    const { owner, email } = await ownerBrowser();
    await serverSql(
      "INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, last_failure_at) VALUES ($1, 0, 99, 4, now())",
      [subject(email)],
    );
    expect((await new Client().post("/api/auth/login", { email, password: WRONG })).status).toBe(401);
    const weekLater = Date.now() + 7 * 86_400_000;
    const stranger = await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD }, { now: weekLater });
    expect(stranger.status).toBe(429);
    expect(stranger.body.error.code).toBe("sign_in_locked");
    expect(stranger.headers.get("retry-after")).toBeNull();
    const ghost = uniqueEmail("ghost");
    await serverSql(
      "INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, hard_locked, last_failure_at) VALUES ($1, 0, 100, 5, true, now())",
      [subject(ghost)],
    );
    const ghostAnswer = await new Client().post("/api/auth/login", { email: ghost, password: GOOD_PASSWORD });
    expect([ghostAnswer.status, ghostAnswer.text]).toEqual([stranger.status, stranger.text]); // no enumeration
    // the owner's browser signs in, and that success ends the lock for everyone
    expect((await owner.post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(200);
    expect((await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD })).status).toBe(200);
  });

  it("the daily cleanup keeps the failure total, so 99 failures and one more the next days reach the hard lock", async () => {
    const email = uniqueEmail("patient");
    expect((await new Client().post("/api/auth/register", { email, password: GOOD_PASSWORD })).status).toBe(201);
    await serverSql(
      "INSERT INTO login_throttles (subject_hash, failures, total_failures, lock_count, last_failure_at) VALUES ($1, 9, 99, 9, now() - interval '2 days')",
      [subject(email)],
    );
    const cron = await new Client().get("/api/cron/daily", { headers: { authorization: `Bearer ${TEST_CRON_SECRET}` } });
    expect(cron.status).toBe(200);
    expect(await serverSql("SELECT total_failures FROM login_throttles WHERE subject_hash = $1", [subject(email)])).toEqual([
      { total_failures: 99 },
    ]);
    expect((await new Client().post("/api/auth/login", { email, password: WRONG })).status).toBe(401);
    const locked = await new Client().post("/api/auth/login", { email, password: GOOD_PASSWORD });
    expect([locked.status, locked.body.error.code]).toEqual([429, "sign_in_locked"]);
  });
});
