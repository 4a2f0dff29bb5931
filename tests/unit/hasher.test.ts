import { afterEach, describe, expect, it } from "vitest";
import { AsyncLocalStorage } from "node:async_hooks";
import { DUMMY_HASH, hashPool, observeHashes, verifyPassword } from "../../lib/passwords/hasher";

// The test build reports the hashes each request caused (x-test-password-hashes) by counting
// in the request's AsyncLocalStorage store. A job that waits in the queue starts later, from
// another worker's message callback: counting there lost it (a flaky CI failure in
// tests/http/register.test.ts on a busy server). It is counted when the caller queues it.
describe("password hash pool: observing the hashes a caller causes", () => {
  afterEach(() => observeHashes(null));

  it("counts every hash in its caller's context, queued ones included", async () => {
    const pool = await hashPool(1);
    const perCaller = new AsyncLocalStorage<{ count: number }>();
    observeHashes(() => {
      const store = perCaller.getStore();
      if (store) store.count++;
    });
    const callers = Array.from({ length: pool.size * 2 + 1 }, () => ({ count: 0 }));
    const results = await Promise.all(callers.map((store) => perCaller.run(store, () => verifyPassword("not the password", DUMMY_HASH))));
    expect(results.every((matches) => matches === false)).toBe(true);
    expect(callers.map((store) => store.count)).toEqual(callers.map(() => 1));
  });
});
