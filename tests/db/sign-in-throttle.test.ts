/**
 * The per-identifier sign-in throttle (lib/accounts/throttle.ts), called directly on the
 * database: every attempt takes a slot before the password is checked (counted as a failure
 * until a success clears the row), the LOGIN_MAX_FAILURES-th slot sets a lock of
 * LOGIN_LOCK_BASE_SECONDS doubling per further lock up to LOGIN_LOCK_MAX_SECONDS, attempts
 * during a lock take nothing, LOGIN_HARD_LOCK_FAILURES in total hard-lock the identifier until
 * cleared, and (real Postgres only) parallel attempts never get more slots than the limit.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { resetDb, testDb } from "../support/db";
import { usingPglite } from "../support/env";
import { insertUser, raceBehindLock, racersDb } from "../support/lib-fixtures";
import { sql, type Queryable } from "../../lib/db";
import { parseConfig, type Config } from "../../lib/config";
import { subjectHash } from "../../lib/users/email";
import { clearThrottle, identifierFailures, readThrottle, takeSignInSlot, type SignInSlot } from "../../lib/accounts/throttle";

const base = { NODE_ENV: "test", MAIL_TRANSPORT: "outbox" };
/** The shipped defaults: 10 failures, 60 s doubling up to 900 s, hard lock at 100. */
const defaults = parseConfig(base);
/** A tight setting, so that every rule is reached in a few attempts. */
const tight = parseConfig({
  ...base,
  LOGIN_MAX_FAILURES: "3",
  LOGIN_LOCK_BASE_SECONDS: "7",
  LOGIN_LOCK_MAX_SECONDS: "60",
  LOGIN_HARD_LOCK_FAILURES: "10",
});
const configs = [
  { name: "defaults", cfg: defaults },
  { name: "tight", cfg: tight },
];

const T0 = new Date("2026-04-01T08:00:00Z");
const SECOND = 1000;
const at = (ms: number) => new Date(T0.getTime() + ms);
const subject = subjectHash("someone@example.com");

/** `count` slots taken at `now` (none of them may be refused). */
async function takeSlots(q: Queryable, s: string, count: number, now: Date, cfg: Config): Promise<SignInSlot[]> {
  const slots: SignInSlot[] = [];
  for (let i = 0; i < count; i++) slots.push(await takeSignInSlot(q, s, now, cfg));
  return slots;
}

/** Failures at `now` until one sets a lock; that slot. */
async function failUntilLocked(q: Queryable, s: string, now: Date, cfg: Config): Promise<Extract<SignInSlot, { taken: true }>> {
  for (let i = 0; i < cfg.LOGIN_MAX_FAILURES; i++) {
    const slot = await takeSignInSlot(q, s, now, cfg);
    if (!slot.taken) throw new Error("failUntilLocked: refused, the identifier is already locked");
    if (slot.lockedNow) return slot;
  }
  throw new Error(`failUntilLocked: no lock after ${cfg.LOGIN_MAX_FAILURES} failures`);
}

/** A patient guesser: `count` failures, each lock waited out to its last millisecond. The last slot and when it was taken. */
async function failPatiently(q: Queryable, s: string, count: number, cfg: Config) {
  let now = T0;
  let last: SignInSlot | null = null;
  for (let taken = 0; taken < count; ) {
    last = await takeSignInSlot(q, s, now, cfg);
    if (!last.taken) throw new Error(`failPatiently: refused at ${now.toISOString()}`);
    taken++;
    if (last.lockedNow && !last.hardLocked) now = last.lockedUntil!;
  }
  return { last: last!, now };
}

async function throttleRow(q: Queryable, s: string) {
  const { rows } = await q.query<{ failures: number; total_failures: number; lock_count: number }>(
    sql`SELECT failures, total_failures, lock_count FROM login_throttles WHERE subject_hash = ${s}`,
  );
  return rows[0] ?? null;
}

describe("sign-in throttle (lib, against Postgres)", () => {
  beforeEach(async () => resetDb(await testDb()));

  it.each(configs)(
    "$name: the LOGIN_MAX_FAILURES-th failure locks for LOGIN_LOCK_BASE_SECONDS; attempts during the lock are refused and not counted (#13, #15)",
    async ({ cfg }) => {
      const db = await testDb();
      const before = await takeSlots(db, subject, cfg.LOGIN_MAX_FAILURES - 1, T0, cfg);
      expect(before.every((s) => s.taken && !s.lockedNow && !s.hardLocked)).toBe(true);
      expect(await readThrottle(db, subject, T0)).toEqual({ locked: false, hardLocked: false, retryAfterSeconds: 0 });

      const locking = await takeSignInSlot(db, subject, T0, cfg);
      expect(locking).toEqual({ taken: true, lockedNow: true, lockedUntil: at(cfg.LOGIN_LOCK_BASE_SECONDS * SECOND), hardLocked: false });
      expect(await readThrottle(db, subject, T0)).toEqual({
        locked: true,
        hardLocked: false,
        retryAfterSeconds: cfg.LOGIN_LOCK_BASE_SECONDS,
      });
      expect(await takeSignInSlot(db, subject, at(SECOND), cfg)).toEqual({
        taken: false,
        hardLocked: false,
        retryAfterSeconds: cfg.LOGIN_LOCK_BASE_SECONDS - 1,
      });
      expect(await identifierFailures(db, subject)).toBe(cfg.LOGIN_MAX_FAILURES);
    },
  );

  it.each(configs)(
    "$name: the lock ends exactly LOGIN_LOCK_BASE_SECONDS later; the next one needs LOGIN_MAX_FAILURES fresh failures and lasts twice as long (#13)",
    async ({ cfg }) => {
      const db = await testDb();
      const { lockedUntil } = await failUntilLocked(db, subject, T0, cfg);
      const end = lockedUntil!;
      expect(end.getTime() - T0.getTime()).toBe(cfg.LOGIN_LOCK_BASE_SECONDS * SECOND);

      const justBefore = new Date(end.getTime() - 1);
      expect(await takeSignInSlot(db, subject, justBefore, cfg)).toEqual({ taken: false, hardLocked: false, retryAfterSeconds: 1 });
      expect(await readThrottle(db, subject, end)).toEqual({ locked: false, hardLocked: false, retryAfterSeconds: 0 });

      const after = await takeSlots(db, subject, cfg.LOGIN_MAX_FAILURES - 1, end, cfg);
      expect(after.map((s) => s.taken && s.lockedNow)).toEqual(Array(cfg.LOGIN_MAX_FAILURES - 1).fill(false));
      // the second lock in a row: twice the base
      expect(await takeSignInSlot(db, subject, end, cfg)).toEqual({
        taken: true,
        lockedNow: true,
        lockedUntil: new Date(end.getTime() + 2 * cfg.LOGIN_LOCK_BASE_SECONDS * SECOND),
        hardLocked: false,
      });
    },
  );

  it.each([
    { name: "defaults", cfg: defaults, seconds: [60, 120, 240, 480, 900, 900] },
    {
      name: "tight",
      cfg: parseConfig({ ...base, LOGIN_MAX_FAILURES: "3", LOGIN_LOCK_BASE_SECONDS: "7", LOGIN_LOCK_MAX_SECONDS: "60" }),
      seconds: [7, 14, 28, 56, 60, 60],
    },
  ])("$name: each further lock in a row doubles, capped at LOGIN_LOCK_MAX_SECONDS: $seconds s (#13)", async ({ cfg, seconds }) => {
    const db = await testDb();
    const lengths: number[] = [];
    let now = T0;
    for (let i = 0; i < seconds.length; i++) {
      const { lockedUntil } = await failUntilLocked(db, subject, now, cfg);
      lengths.push((lockedUntil!.getTime() - now.getTime()) / SECOND);
      now = lockedUntil!;
    }
    expect(lengths).toEqual(seconds);
    expect(await identifierFailures(db, subject)).toBe(seconds.length * cfg.LOGIN_MAX_FAILURES);
  });

  it.each(configs)(
    "$name: LOGIN_HARD_LOCK_FAILURES failures in total, each lock waited out, hard-lock the identifier: no end announced, waiting does not open it",
    async ({ cfg }) => {
      const db = await testDb();
      const { last, now } = await failPatiently(db, subject, cfg.LOGIN_HARD_LOCK_FAILURES - 1, cfg);
      expect(last.taken && last.hardLocked).toBe(false);

      const hard = await takeSignInSlot(db, subject, now, cfg);
      expect(hard).toMatchObject({ taken: true, lockedNow: true, hardLocked: true });
      expect(await identifierFailures(db, subject)).toBe(cfg.LOGIN_HARD_LOCK_FAILURES);
      const muchLater = new Date(now.getTime() + 30 * 86_400_000);
      expect(await readThrottle(db, subject, muchLater)).toEqual({ locked: true, hardLocked: true, retryAfterSeconds: 0 });
      expect(await takeSignInSlot(db, subject, muchLater, cfg)).toMatchObject({ taken: false, hardLocked: true });
      expect(await identifierFailures(db, subject)).toBe(cfg.LOGIN_HARD_LOCK_FAILURES);
    },
  );

  it("clearing opens a hard lock and forgets every failure", async () => {
    const db = await testDb();
    const { now } = await failPatiently(db, subject, tight.LOGIN_HARD_LOCK_FAILURES, tight);
    expect((await readThrottle(db, subject, now)).hardLocked).toBe(true);

    expect(await clearThrottle(db, subject)).toBe(true);
    expect(await readThrottle(db, subject, now)).toEqual({ locked: false, hardLocked: false, retryAfterSeconds: 0 });
    expect(await identifierFailures(db, subject)).toBe(0);
    expect(await takeSignInSlot(db, subject, now, tight)).toEqual({ taken: true, lockedNow: false, lockedUntil: null, hardLocked: false });
  });

  it("clearing (what a success does) ends a running lock and its escalation: the next lock needs the full count and lasts the base time (#15)", async () => {
    const db = await testDb();
    const first = await failUntilLocked(db, subject, T0, defaults);
    const second = await failUntilLocked(db, subject, first.lockedUntil!, defaults);
    const during = new Date(second.lockedUntil!.getTime() - SECOND);
    expect((await readThrottle(db, subject, during)).locked).toBe(true);

    expect(await clearThrottle(db, subject)).toBe(true);
    expect(await readThrottle(db, subject, during)).toEqual({ locked: false, hardLocked: false, retryAfterSeconds: 0 });
    expect(await identifierFailures(db, subject)).toBe(0);
    const slots = await takeSlots(db, subject, defaults.LOGIN_MAX_FAILURES, during, defaults);
    expect(slots.map((s) => s.taken && s.lockedNow)).toEqual([...Array(defaults.LOGIN_MAX_FAILURES - 1).fill(false), true]);
    expect((await readThrottle(db, subject, during)).retryAfterSeconds).toBe(defaults.LOGIN_LOCK_BASE_SECONDS);
    expect(await clearThrottle(db, subjectHash("nobody@example.com"))).toBe(false);
  });

  it("all spellings of an address share one counter, and a lock holds no other address (#15)", async () => {
    const db = await testDb();
    const spellings = ["Someone@Example.com", " someone@example.com ", "SOMEONE@EXAMPLE.COM"];
    for (const spelling of spellings) await takeSignInSlot(db, subjectHash(spelling), T0, tight);
    expect((await readThrottle(db, subject, T0)).locked).toBe(true);
    expect(await identifierFailures(db, subject)).toBe(3);

    const other = subjectHash("someone.else@example.com");
    expect(await readThrottle(db, other, T0)).toEqual({ locked: false, hardLocked: false, retryAfterSeconds: 0 });
    expect((await takeSignInSlot(db, other, T0, tight)).taken).toBe(true);
  });

  it("an address with an account and one without go through the same sequence of slots, locks and refusals (#14)", async () => {
    const db = await testDb();
    await insertUser(db, "exists@example.com");
    const run = async (email: string) => {
      const s = subjectHash(email);
      const slots = await takeSlots(db, s, tight.LOGIN_MAX_FAILURES, T0, tight);
      const refused = await takeSignInSlot(db, s, at(SECOND), tight);
      return { slots, refused, state: await readThrottle(db, s, at(SECOND)), row: await throttleRow(db, s) };
    };
    expect(await run("ghost@example.com")).toEqual(await run("exists@example.com"));
  });

  it.skipIf(usingPglite).each([
    { prior: 0, slots: 5, how: "a new identifier (the racers all insert its row at once)" },
    { prior: 3, slots: 2, how: "an identifier with 3 failures already counted" },
  ])(
    "of 16 parallel attempts on $how, on a real Postgres (LOGIN_MAX_FAILURES=5), exactly $slots get a slot, one sets the lock, none is counted beyond it",
    async ({ prior }) => {
      const db = await testDb();
      const cfg = parseConfig({ ...base, LOGIN_MAX_FAILURES: "5" });
      await takeSlots(db, subject, prior, T0, cfg);
      const attempts = 16;
      const racers = racersDb(attempts);
      try {
        const slots = await raceBehindLock({
          // no row yet: hold an uncommitted insert of it (rolled back); else lock the row itself
          hold: async (holder) => {
            if (prior === 0)
              await holder.query(sql`INSERT INTO login_throttles (subject_hash, last_failure_at) VALUES (${subject}, ${T0})`);
            else await holder.query(sql`SELECT 1 FROM login_throttles WHERE subject_hash = ${subject} FOR UPDATE`);
          },
          release: prior === 0 ? "ROLLBACK" : "COMMIT",
          waitingIn: "%INSERT INTO login_throttles AS t%",
          racers: Array.from({ length: attempts }, () => () => takeSignInSlot(racers, subject, T0, cfg)),
        });
        const taken = slots.filter((s) => s.taken);
        expect(taken).toHaveLength(cfg.LOGIN_MAX_FAILURES - prior);
        expect(taken.filter((s) => s.lockedNow)).toHaveLength(1);
        expect(slots.filter((s) => !s.taken)).toEqual(
          Array(attempts - taken.length).fill({ taken: false, hardLocked: false, retryAfterSeconds: cfg.LOGIN_LOCK_BASE_SECONDS }),
        );
        expect(await identifierFailures(db, subject)).toBe(cfg.LOGIN_MAX_FAILURES);
        expect(await throttleRow(db, subject)).toEqual({ failures: 0, total_failures: cfg.LOGIN_MAX_FAILURES, lock_count: 1 });
      } finally {
        await racers.close();
      }
    },
  );
});
