/**
 * Second-factor verification (lib/mfa/verification.ts with the attempt slots of
 * lib/mfa/queries.ts), called directly on the database: TOTP enrolled through
 * lib/mfa/enrolment.ts, codes computed with otpauth from the enrolled secret. A code works once;
 * every attempt takes a slot first, counted as a failure unless it succeeds (or is a replay of
 * a correct code, whose slot is given back); the MFA_MAX_FAILURES-th failure blocks the factor
 * for MFA_LOCK_SECONDS, doubling per block in a row up to MFA_LOCK_MAX_SECONDS; and (real
 * Postgres only) parallel guesses never check more codes than the limit.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { usingPglite } from "../support/env";
import { actorAt, enrolTotp, raceBehindLock, racersDb, type EnrolledTotp } from "../support/lib-fixtures";
import { totpAt as totpCode, wrongTotpAt as wrongTotpCode } from "../support/totp";
import { sql, type Db } from "../../lib/db";
import { parseConfig, type Config } from "../../lib/config";
import { totpStep } from "../../lib/mfa/totp";
import { countSecondFactorFailure, refuseBlockedSecondFactor, secondFactorLockRule, verifySecondFactor } from "../../lib/mfa/verification";
import { refundAttemptSlot, takeAttemptSlot } from "../../lib/mfa/queries";

const base = { NODE_ENV: "test", MAIL_TRANSPORT: "outbox" };
/** The shipped defaults: 5 failures, a 900 s block doubling up to a day. */
const cfg = parseConfig(base);
/** A tight setting: 3 failures, a 60 s block doubling up to 200 s. */
const tight = parseConfig({ ...base, MFA_MAX_FAILURES: "3", MFA_LOCK_SECONDS: "60", MFA_LOCK_MAX_SECONDS: "200" });
const configs = [
  { name: "defaults", c: cfg },
  { name: "tight", c: tight },
];

const actor = actorAt("192.0.2.44", "second-factor");
const SECOND = 1000;
const STEP = 30 * SECOND;
/** Enrolment (its confirming code's step counts as used). */
const E = new Date("2026-03-01T12:00:00Z");
/** Verification, five minutes later. */
const V = new Date(E.getTime() + 5 * 60 * SECOND);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

async function enrol(db: Db, c: Config = cfg): Promise<EnrolledTotp> {
  return enrolTotp(db, "mfa-user@example.com", E, c);
}

function verify(db: Db, userId: string, code: string, now: Date, c: Config = cfg) {
  return verifySecondFactor(db, { userId, code, now, actor }, c);
}

async function counter(db: Db, userId: string) {
  const { rows } = await db.query<{
    failed: number;
    locked_until: Date | null;
    lock_count: number;
    last_used_step: string | number | null;
  }>(sql`
    SELECT u.mfa_failed_count AS failed, u.mfa_locked_until AS locked_until, u.mfa_lock_count AS lock_count, f.last_used_step
    FROM users u LEFT JOIN mfa_factors f ON f.user_id = u.id AND f.status = 'active' WHERE u.id = ${userId}`);
  const row = rows[0]!;
  return {
    failed: row.failed,
    lockedUntil: row.locked_until,
    lockCount: row.lock_count,
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
  };
}

async function audits(db: Db, ...types: string[]) {
  const { rows } = await db.query<{ event_type: string; details: Record<string, unknown> }>(sql`
    SELECT event_type, details FROM audit_logs WHERE event_type = ANY(${types}::text[]) ORDER BY id`);
  return rows;
}

async function mails(db: Db) {
  const { rows } = await db.query<{ to_address: string; template: string }>(
    sql`SELECT to_address::text, template FROM mail_outbox WHERE template = 'mfa_locked' ORDER BY id`,
  );
  return rows;
}

/** `count` wrong TOTP codes at `now`; their results. */
async function wrongCodes(db: Db, user: EnrolledTotp, count: number, now: Date, c: Config = cfg) {
  const results = [];
  for (let i = 0; i < count; i++) results.push(await verify(db, user.userId, wrongTotpCode(user.secret, now), now, c));
  return results;
}

describe("second-factor verification (lib, against Postgres)", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("a correct TOTP code passes, records its step as used, resets the failures counted before it and is audited mfa.success", async () => {
    const db = await testDb();
    const user = await enrol(db);
    await wrongCodes(db, user, 2, V);
    expect((await counter(db, user.userId)).failed).toBe(2);

    expect(await verify(db, user.userId, totpCode(user.secret, V), V)).toEqual({ ok: true, value: { method: "totp" } });
    expect(await counter(db, user.userId)).toEqual({ failed: 0, lockedUntil: null, lockCount: 0, lastUsedStep: totpStep(V) });
    expect((await audits(db, "mfa.success")).map((a) => a.details)).toEqual([{ method: "totp" }]);
  });

  it.each([
    { replay: "the same code again at the same instant", first: V, code: V, now: V },
    { replay: "the same code one step later, as the previous step's", first: V, code: V, now: plus(V, STEP) },
    { replay: "the previous step's code after the current step's was used", first: V, code: plus(V, -STEP), now: V },
    { replay: "the code that confirmed the enrolment, at the enrolment instant", first: null, code: E, now: E },
  ])("$replay is refused as otp_already_used, and not counted as a failure (#46)", async ({ first, code, now }) => {
    const db = await testDb();
    const user = await enrol(db);
    if (first) expect((await verify(db, user.userId, totpCode(user.secret, first), first)).ok).toBe(true);
    const before = await counter(db, user.userId);

    expect(await verify(db, user.userId, totpCode(user.secret, code), now)).toEqual({ ok: false, error: "otp_already_used" });
    expect(await counter(db, user.userId)).toEqual({ ...before, failed: 0 });
    expect((await audits(db, "mfa.failed")).map((a) => a.details)).toEqual([
      { method: "totp", reason: "otp_already_used", counted: false },
    ]);
  });

  it.each([
    { what: "a wrong 6-digit code", method: "totp", code: (u: EnrolledTotp) => wrongTotpCode(u.secret, V) },
    { what: "the code of two steps ago", method: "totp", code: (u: EnrolledTotp) => totpCode(u.secret, plus(V, -2 * STEP)) },
    { what: "the next step's code", method: "totp", code: (u: EnrolledTotp) => totpCode(u.secret, plus(V, STEP)) },
    { what: "a well-formed backup code never issued", method: "backup_code", code: () => "AAAA-BBBB-CCCC-DDDD-EEEE" },
    {
      what: "an issued backup code with one character changed",
      method: "backup_code",
      code: (u: EnrolledTotp) => flipLast(u.backupCodes[0]!),
    },
  ])("$what is refused as invalid_mfa_code and counted as one failure, audited without the code (#16, #45)", async ({ method, code }) => {
    const db = await testDb();
    const user = await enrol(db);
    const presented = code(user);
    expect(await verify(db, user.userId, presented, V)).toEqual({ ok: false, error: "invalid_mfa_code" });
    expect(await counter(db, user.userId)).toMatchObject({ failed: 1, lockedUntil: null });
    const failed = await audits(db, "mfa.failed", "mfa.locked", "mfa.success");
    expect(failed).toEqual([{ event_type: "mfa.failed", details: { method, reason: "invalid_mfa_code", failures: 1 } }]);
    expect(JSON.stringify(failed)).not.toContain(presented);
  });

  it.each(configs)(
    "$name: the MFA_MAX_FAILURES-th failure blocks the factor for MFA_LOCK_SECONDS, notified by mail; even the right code is refused, uncounted, until the block ends (#16)",
    async ({ c }) => {
      const db = await testDb();
      const user = await enrol(db, c);
      const max = c.MFA_MAX_FAILURES;
      const lockedUntil = plus(V, c.MFA_LOCK_SECONDS * SECOND);

      const results = await wrongCodes(db, user, max, V, c);
      expect(results).toEqual(Array(max).fill({ ok: false, error: "invalid_mfa_code" }));
      expect(await counter(db, user.userId)).toMatchObject({ failed: max, lockedUntil, lockCount: 1 });
      expect((await audits(db, "mfa.locked")).map((a) => a.details)).toEqual([{ failures: max, lockedUntil: lockedUntil.toISOString() }]);
      expect(await mails(db)).toEqual([{ to_address: user.email, template: "mfa_locked" }]);

      const soon = plus(V, SECOND);
      expect(await verify(db, user.userId, totpCode(user.secret, soon), soon, c)).toEqual({
        ok: false,
        error: "mfa_locked",
        retryAfterSeconds: c.MFA_LOCK_SECONDS - 1,
      });
      const last = plus(lockedUntil, -1);
      expect(await verify(db, user.userId, user.backupCodes[0]!, last, c)).toEqual({
        ok: false,
        error: "mfa_locked",
        retryAfterSeconds: 1,
      });
      expect(await counter(db, user.userId)).toMatchObject({ failed: max, lockedUntil });
      expect((await audits(db, "mfa.failed")).slice(max).map((a) => a.details)).toEqual([
        { method: "totp", reason: "mfa_locked" },
        { method: "backup_code", reason: "mfa_locked" },
      ]);

      expect(await verify(db, user.userId, totpCode(user.secret, lockedUntil), lockedUntil, c)).toEqual({
        ok: true,
        value: { method: "totp" },
      });
      expect(await counter(db, user.userId)).toMatchObject({ failed: 0, lockedUntil: null, lockCount: 0 });
    },
  );

  it("a success short of the limit resets the count: the block then needs MFA_MAX_FAILURES fresh failures", async () => {
    const db = await testDb();
    const user = await enrol(db);
    await wrongCodes(db, user, cfg.MFA_MAX_FAILURES - 1, V);
    expect((await verify(db, user.userId, totpCode(user.secret, V), V)).ok).toBe(true);
    const later = plus(V, 2 * STEP);
    await wrongCodes(db, user, cfg.MFA_MAX_FAILURES - 1, later);
    expect(await counter(db, user.userId)).toMatchObject({ failed: cfg.MFA_MAX_FAILURES - 1, lockedUntil: null });
    expect(await verify(db, user.userId, totpCode(user.secret, later), later)).toEqual({ ok: true, value: { method: "totp" } });
  });

  it("consecutive blocks double up to MFA_LOCK_MAX_SECONDS (60, 120, 200, 200 s), and a success resets the escalation", async () => {
    const db = await testDb();
    const user = await enrol(db, tight);
    const rule = secondFactorLockRule(tight);
    const blockAt = async (now: Date) => {
      for (let i = 0; i < rule.maxFailures; i++) {
        const slot = await takeAttemptSlot(db, user.userId, rule, now);
        if (!slot) throw new Error("blockAt: refused, the factor is already blocked");
        if (slot.lockedUntil) return slot.lockedUntil;
      }
      throw new Error(`blockAt: no block after ${rule.maxFailures} slots`);
    };
    const lengths: number[] = [];
    let now = V;
    for (let i = 0; i < 4; i++) {
      const until = await blockAt(now);
      lengths.push((until.getTime() - now.getTime()) / SECOND);
      now = until;
    }
    expect(lengths).toEqual([60, 120, 200, 200]);

    expect((await verify(db, user.userId, totpCode(user.secret, now), now, tight)).ok).toBe(true);
    const fresh = await blockAt(now);
    expect((fresh.getTime() - now.getTime()) / SECOND).toBe(tight.MFA_LOCK_SECONDS);
  });

  it.each([
    { which: "a slot that set no block", slots: 2, after: { failed: 1, lockedUntil: null, lockCount: 0 } },
    { which: "the slot that set the block", slots: 3, after: { failed: 2, lockedUntil: null, lockCount: 0 } },
  ])("refundAttemptSlot gives back $which, and the block and escalation step it took", async ({ slots, after }) => {
    const db = await testDb();
    const user = await enrol(db, tight);
    const rule = secondFactorLockRule(tight);
    let slot = null;
    for (let i = 0; i < slots; i++) slot = await takeAttemptSlot(db, user.userId, rule, V);
    expect(slot!.failures).toBe(slots);
    expect(slot!.lockedUntil !== null).toBe(slots === rule.maxFailures);

    await refundAttemptSlot(db, user.userId, slot!);
    expect(await counter(db, user.userId)).toMatchObject(after);
    // the next slot counts from there
    expect(await takeAttemptSlot(db, user.userId, rule, V)).toEqual({
      failures: slots,
      lockedUntil: slots === rule.maxFailures ? plus(V, rule.lockSeconds * SECOND) : null,
    });
  });

  it.each([
    { state: "blocked 10 minutes more", blockSeconds: 600, retryAfterSeconds: 600 },
    { state: "no block stored", blockSeconds: null, retryAfterSeconds: cfg.MFA_LOCK_SECONDS },
  ])(
    "refuseBlockedSecondFactor with $state answers mfa_locked, Retry-After $retryAfterSeconds s, audited for the method",
    async ({ blockSeconds, retryAfterSeconds }) => {
      const db = await testDb();
      const user = await enrol(db);
      if (blockSeconds)
        await db.query(sql`UPDATE users SET mfa_locked_until = ${plus(V, blockSeconds * SECOND)} WHERE id = ${user.userId}`);
      expect(await refuseBlockedSecondFactor(db, { userId: user.userId, now: V, actor }, "passkey", cfg)).toEqual({
        ok: false,
        error: "mfa_locked",
        retryAfterSeconds,
      });
      expect((await audits(db, "mfa.failed")).map((a) => a.details)).toEqual([{ method: "passkey", reason: "mfa_locked" }]);
    },
  );

  it.each([
    { slot: "a slot short of the limit", outcome: "audits mfa.failed only", slots: 1, events: ["mfa.failed"], mailed: 0 },
    {
      slot: "the slot that set the block",
      outcome: "also audits mfa.locked and mails the owner",
      slots: 3,
      events: ["mfa.failed", "mfa.locked"],
      mailed: 1,
    },
  ])("countSecondFactorFailure for $slot $outcome", async ({ slots, events, mailed }) => {
    const db = await testDb();
    const user = await enrol(db, tight);
    let slot = null;
    for (let i = 0; i < slots; i++) slot = await takeAttemptSlot(db, user.userId, secondFactorLockRule(tight), V);
    expect(await countSecondFactorFailure(db, { userId: user.userId, now: V, actor }, tight, slot!, "passkey", "invalid_passkey")).toEqual({
      ok: false,
      error: "invalid_passkey",
    });
    const rows = await audits(db, "mfa.failed", "mfa.locked");
    expect(rows.map((a) => a.event_type)).toEqual(events);
    expect(rows[0]!.details).toEqual({ method: "passkey", reason: "invalid_passkey", failures: slots });
    expect(await mails(db)).toHaveLength(mailed);
  });

  it("a backup code works once (in any spelling): the second use is refused as code_already_used and counted (#49)", async () => {
    const db = await testDb();
    const user = await enrol(db);
    const [code, other] = user.backupCodes;
    expect(await verify(db, user.userId, code!, V)).toEqual({ ok: true, value: { method: "backup_code" } });
    expect((await audits(db, "backup_code.used", "mfa.success")).map((a) => [a.event_type, a.details])).toEqual([
      ["backup_code.used", { remaining: 9 }],
      ["mfa.success", { method: "backup_code" }],
    ]);

    const respelled = code!.toLowerCase().replaceAll("-", " ");
    expect(await verify(db, user.userId, respelled, plus(V, SECOND))).toEqual({ ok: false, error: "code_already_used" });
    expect(await counter(db, user.userId)).toMatchObject({ failed: 1 });
    expect(await verify(db, user.userId, other!, plus(V, 2 * SECOND))).toEqual({ ok: true, value: { method: "backup_code" } });
    const { rows } = await db.query<{ used: number }>(
      sql`SELECT count(*)::int AS used FROM mfa_backup_codes WHERE user_id = ${user.userId} AND used_at IS NOT NULL`,
    );
    expect(rows[0]!.used).toBe(2);
  });

  it("without an active factor every code is refused as invalid_mfa_code and nothing is counted", async () => {
    const db = await testDb();
    const user = await enrol(db);
    await db.query(sql`DELETE FROM mfa_factors WHERE user_id = ${user.userId}`);
    expect(await verify(db, user.userId, totpCode(user.secret, V), V)).toEqual({ ok: false, error: "invalid_mfa_code" });
    expect(await counter(db, user.userId)).toMatchObject({ failed: 0, lockedUntil: null });
  });

  it.skipIf(usingPglite)(
    "of 12 parallel wrong guesses on a real Postgres, exactly MFA_MAX_FAILURES are checked; the rest are refused as blocked (#16)",
    async () => {
      const db = await testDb();
      const user = await enrol(db);
      const guesses = 12;
      const racers = racersDb(guesses);
      try {
        const results = await raceBehindLock({
          hold: async (holder) => {
            await holder.query(sql`SELECT id FROM users WHERE id = ${user.userId} FOR NO KEY UPDATE`);
          },
          release: "COMMIT",
          waitingIn: "%UPDATE users SET%mfa_failed_count%",
          racers: Array.from({ length: guesses }, () => () => verify(racers, user.userId, wrongTotpCode(user.secret, V), V)),
        });
        const checked = results.filter((r) => !r.ok && r.error === "invalid_mfa_code");
        expect(checked).toHaveLength(cfg.MFA_MAX_FAILURES);
        expect(results.filter((r) => !r.ok && r.error === "mfa_locked")).toHaveLength(guesses - cfg.MFA_MAX_FAILURES);
        expect(await counter(db, user.userId)).toMatchObject({
          failed: cfg.MFA_MAX_FAILURES,
          lockedUntil: plus(V, cfg.MFA_LOCK_SECONDS * SECOND),
          lockCount: 1,
        });
        expect(await audits(db, "mfa.locked")).toHaveLength(1);
        expect(await mails(db)).toHaveLength(1);
      } finally {
        await racers.close();
      }
    },
  );

  it.skipIf(usingPglite)(
    "of 4 parallel submissions of one correct code on a real Postgres, exactly one passes; the others are otp_already_used and nothing stays counted (#46)",
    async () => {
      const db = await testDb();
      const user = await enrol(db);
      const clicks = 4;
      const racers = racersDb(clicks);
      try {
        const code = totpCode(user.secret, V);
        const results = await raceBehindLock({
          hold: async (holder) => {
            await holder.query(sql`SELECT id FROM users WHERE id = ${user.userId} FOR NO KEY UPDATE`);
          },
          release: "COMMIT",
          waitingIn: "%UPDATE users SET%mfa_failed_count%",
          racers: Array.from({ length: clicks }, () => () => verify(racers, user.userId, code, V)),
        });
        expect(results.filter((r) => r.ok)).toEqual([{ ok: true, value: { method: "totp" } }]);
        expect(results.filter((r) => !r.ok)).toEqual(Array(clicks - 1).fill({ ok: false, error: "otp_already_used" }));
        expect(await counter(db, user.userId)).toEqual({ failed: 0, lockedUntil: null, lockCount: 0, lastUsedStep: totpStep(V) });
        expect(await audits(db, "mfa.success")).toHaveLength(1);
      } finally {
        await racers.close();
      }
    },
  );
});

/** A backup code with its last character replaced by another of the alphabet. */
function flipLast(code: string): string {
  const last = code.at(-1)!;
  return code.slice(0, -1) + (last === "A" ? "B" : "A");
}
