/**
 * Social sign-in outcomes (lib/social/social.ts) on the test database, for what the HTTP tests
 * cannot reach with one server configuration: SOCIAL_SIGN_UP=false, two callbacks of one new
 * identity at once, and two unlinks racing for the last way to sign in.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { resetDb, testDb } from "../support/db";
import { sql, type Db } from "../../lib/db";
import { parseConfig } from "../../lib/config";
import { linkIdentity, signInWithIdentity, unlinkIdentity } from "../../lib/social/social";

const NOW = new Date("2030-02-03T04:05:06.000Z");
const actor = { ip: "192.0.2.1", userAgent: "test", requestId: "social-test-01" };
const cfg = parseConfig({});

const identity = (email: string | null, emailVerified = true) => ({
  subject: randomBytes(6).toString("hex"),
  email,
  emailVerified,
  name: null,
});

async function countUsers(db: Db, email: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM users WHERE email = ${email}`);
  return rows[0]!.n;
}

describe("social sign-in outcomes", () => {
  let db: Db;
  beforeEach(async () => {
    db = await testDb();
    await resetDb(db);
  });

  it("creates no account when SOCIAL_SIGN_UP is off, and audits the refusal", async () => {
    const closed = parseConfig({ SOCIAL_SIGN_UP: "false" });
    const email = `closed-${randomBytes(3).toString("hex")}@gmail.com`;
    const result = await signInWithIdentity(db, { provider: "google", identity: identity(email), now: NOW, actor }, closed);
    expect(result).toEqual({ ok: false, error: "social_sign_up_closed" });
    expect(await countUsers(db, email)).toBe(0);
    const { rows } = await db.query<{ details: { reason: string } }>(sql`SELECT details FROM audit_logs WHERE event_type = 'oauth.failed'`);
    expect(rows.map((r) => r.details.reason)).toEqual(["sign_up_closed"]);
  });

  it("two callbacks of one new identity at once make one account: the other is refused or signs in to it", async () => {
    const email = `race-${randomBytes(3).toString("hex")}@gmail.com`;
    const id = identity(email);
    const results = await Promise.all([
      signInWithIdentity(db, { provider: "google", identity: id, now: NOW, actor }, cfg),
      signInWithIdentity(db, { provider: "google", identity: id, now: NOW, actor }, cfg),
    ]);
    // truly overlapping, the loser's insert conflicts (refused); on a busy machine the second may
    // start after the first committed and find the identity linked: a plain sign-in to that account;
    // or it may find the identity unlinked, then the address taken once the first committed: refused
    // as social_account_exists (seen in CI on @vercel/postgres)
    const signedIn = results.flatMap((r) => (r.ok ? [r.value] : []));
    expect(signedIn.filter((v) => v.created)).toHaveLength(1);
    expect(new Set(signedIn.map((v) => v.user.id)).size).toBe(1);
    for (const r of results) if (!r.ok) expect(["social_sign_in_failed", "social_account_exists"]).toContain(r.error);
    expect(await countUsers(db, email)).toBe(1);
    // the identity now signs in to that one account
    const again = await signInWithIdentity(db, { provider: "google", identity: id, now: NOW, actor }, cfg);
    expect(again.ok && again.value.created).toBe(false);
  });

  it("two unlinks racing for the last way to sign in leave one identity", async () => {
    const email = `two-${randomBytes(3).toString("hex")}@gmail.com`;
    const first = await signInWithIdentity(db, { provider: "google", identity: identity(email), now: NOW, actor }, cfg);
    if (!first.ok) throw new Error(first.error);
    const userId = first.value.user.id;
    const linked = await linkIdentity(db, { userId, sessionId: "s", provider: "github", identity: identity(null, false), now: NOW, actor });
    expect(linked.ok).toBe(true);
    const { rows } = await db.query<{ id: string }>(sql`SELECT id FROM oauth_accounts WHERE user_id = ${userId}`);
    const results = await Promise.all(rows.map((r) => unlinkIdentity(db, { userId, sessionId: "s", identityId: r.id, now: NOW, actor })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error)).toEqual(["last_sign_in_method"]);
    const left = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM oauth_accounts WHERE user_id = ${userId}`);
    expect(left.rows[0]!.n).toBe(1);
  });

  it("one identity per provider per account", async () => {
    const email = `one-${randomBytes(3).toString("hex")}@gmail.com`;
    const first = await signInWithIdentity(db, { provider: "google", identity: identity(email), now: NOW, actor }, cfg);
    if (!first.ok) throw new Error(first.error);
    const second = await linkIdentity(db, {
      userId: first.value.user.id,
      sessionId: "s",
      provider: "google",
      identity: identity(null, false),
      now: NOW,
      actor,
    });
    expect(second).toEqual({ ok: false, error: "social_already_linked" });
  });
});
