/** Which database the suite runs on, from the same variables the app reads. */
export const databaseUrl = process.env.POSTGRES_URL ?? process.env.DATABASE_URL ?? null;
export const forcedDriver = process.env.PORTCULLIS_DB_DRIVER ?? "auto";
export const usingPglite = databaseUrl === null || forcedDriver === "pglite";
export const usingVercelDriver = forcedDriver === "vercel";

/** The URL of a sibling database on the same server (same credentials, other name). */
export function siblingUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export const TEST_APP_URL = "https://portcullis.test";
export const TEST_ORIGIN = TEST_APP_URL;
export const TEST_CRON_SECRET = "test-cron-secret-0123456789abcdef";

/** Passwords the fake Pwned Passwords server reports as breached. */
export const BREACHED_PASSWORDS = ["this password was in a breach", "hunter2hunter2hunter2"];

/** HASH_BUDGET_PER_USER of the shared test server (tests/setup/global.ts). */
export const TEST_HASH_BUDGET_PER_USER = 100;
