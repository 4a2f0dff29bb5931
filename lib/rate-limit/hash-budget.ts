/**
 * Hash budget (issue 10 item 8). The argon2id pool (lib/passwords/hasher.ts) is shared by
 * every request and bounded: past 256 waiting jobs every hashing request answers 503, sign-in
 * included. A signed-in user can repeat routes that cost several hashes each (new backup codes
 * and TOTP confirmation: 10; password change: the current password, the history and the new
 * hash), so before any hashing these routes take their whole cost, atomically, from two
 * budgets: per user (HASH_BUDGET_PER_USER) and per client IP (HASH_BUDGET_PER_IP), each per
 * HASH_BUDGET_WINDOW_SECONDS. Past either: 429 too_many_requests with Retry-After, no hash
 * spent. One account, or one IP with many accounts, then holds at most its budget's worth of
 * the queue, and sign-in keeps its slots. Docs: docs/security/hash-limits.md.
 */
import type { Config } from "../config";
import type { Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import { consumeRateLimit, ipKey } from "./rate-limit";

export type HashBudgetConfig = Pick<Config, "HASH_BUDGET_PER_USER" | "HASH_BUDGET_PER_IP" | "HASH_BUDGET_WINDOW_SECONDS">;

export interface HashSpend {
  readonly userId: string;
  readonly ip: string | null;
  /** Hashes the request may compute at most. */
  readonly cost: number;
  readonly now: Date;
}

/** Takes `cost` hashes from the user's and the IP's budgets; 429 when either is spent. */
export async function takeHashBudget(q: Queryable, spend: HashSpend, cfg: HashBudgetConfig): Promise<Result<void>> {
  const budgets = [
    { key: `hash-budget:user:${spend.userId}`, limit: cfg.HASH_BUDGET_PER_USER },
    { key: ipKey("hash-budget", spend.ip), limit: cfg.HASH_BUDGET_PER_IP },
  ];
  for (const budget of budgets) {
    if (budget.key === null) continue; // no usable client IP: the per-user budget still applies
    const rule = { limit: budget.limit, windowSeconds: cfg.HASH_BUDGET_WINDOW_SECONDS };
    const counter = await consumeRateLimit(q, budget.key, rule, spend.now, spend.cost);
    if (!counter.allowed) return err("too_many_requests", counter.retryAfterSeconds);
  }
  return ok(undefined);
}
