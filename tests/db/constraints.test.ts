/**
 * Every CHECK, FOREIGN KEY and UNIQUE rule of the schema (db/migrations) refuses a bad row,
 * and the cascades remove a user's (or a session's) dependent rows. Each bad row differs from
 * a row the table accepts in exactly one column, and the error names the expected constraint,
 * so a test cannot pass because some other rule fired.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { resetDb, testDb } from "../support/db";
import { sql, type Db, type SqlQuery } from "../../lib/db";
import { insertUserIfAbsent } from "../../lib/users/queries";

const USER = "00000000-0000-4000-8000-000000000001";
const OTHER_USER = "00000000-0000-4000-8000-000000000002";
const SESSION = "session_id_0000000000A";
const T0 = new Date("2030-01-01T00:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

const hex64 = () => randomBytes(32).toString("hex");
const id22 = () => randomBytes(16).toString("base64url");
let counter = 0;
const next = () => ++counter;

/** A row each table accepts; a case overrides one column. */
const valid: Record<string, () => Record<string, unknown>> = {
  schema_migrations: () => ({ version: String(9000 + next()), name: "extra", checksum: hex64() }),
  users: () => ({ email: `user${next()}@example.com`, password_hash: HASH }),
  password_history: () => ({ user_id: USER, password_hash: HASH }),
  sessions: () => ({
    id: id22(),
    secret_hash: hex64(),
    user_id: USER,
    created_at: T0,
    last_activity_at: T0,
    idle_expires_at: at(3600),
    absolute_expires_at: at(86400),
    reauthenticated_at: T0,
  }),
  refresh_tokens: () => ({ session_id: SESSION, user_id: USER, token_hash: hex64() }),
  one_time_tokens: () => ({
    user_id: USER,
    purpose: "password_reset",
    token_hash: hex64(),
    email: "a@example.com",
    created_at: T0,
    expires_at: at(3600),
  }),
  mfa_challenges: () => ({ id: id22(), secret_hash: hex64(), user_id: USER, created_at: T0, expires_at: at(300) }),
  mfa_factors: () => ({ user_id: USER, status: "pending", encrypted_secret: "v1.k1.bm9uY2U.Y2lwaGVydGV4dA" }),
  mfa_backup_codes: () => ({
    user_id: USER,
    lookup: ["ABCD", "EFGH", "JKLM", "NPQR", "STUV", "WXYZ", "A2B3"][next() % 7],
    code_hash: HASH,
  }),
  trusted_devices: () => ({ id: id22(), user_id: USER, secret_hash: hex64(), created_at: T0, expires_at: at(86400) }),
  roles: () => ({ name: `role_${next()}`, permissions: '["users:read"]' }),
  user_roles: () => ({ user_id: OTHER_USER, role_id: 1 }),
  oauth_accounts: () => ({ user_id: USER, provider: "github", provider_account_id: String(next()) }),
  audit_logs: () => ({ event_type: "login.success", result: "success", details: '{"method":"password"}' }),
  rate_limits: () => ({ key: `ip:login:10.0.0.${next()}`, count: 1, window_start: T0, expires_at: at(60) }),
  login_throttles: () => ({ subject_hash: hex64(), last_failure_at: T0 }),
  mail_outbox: () => ({ to_address: "a@example.com", template: "verify_email", subject: "Verify", text_body: "Hello" }),
};

const JSONB = new Set(["permissions", "details"]);

/** INSERT of one row. Table and column names come only from the constants in this file. */
function insertRow(table: string, row: Record<string, unknown>): SqlQuery {
  const columns = Object.keys(row);
  const placeholders = columns.map((c, i) => `$${i + 1}${JSONB.has(c) ? "::jsonb" : ""}`);
  return { text: `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${placeholders.join(", ")})`, values: columns.map((c) => row[c]) };
}

async function sqlError(run: Promise<unknown>): Promise<{ code?: string; constraint?: string; message: string }> {
  try {
    await run;
  } catch (error) {
    return error as { code?: string; constraint?: string; message: string };
  }
  throw new Error("the statement succeeded");
}

async function seedParents(db: Db): Promise<void> {
  await db.query(sql`INSERT INTO users (id, email) VALUES (${USER}, ${"owner@example.com"}), (${OTHER_USER}, ${"other@example.com"})`);
  await db.query(insertRow("sessions", { ...valid.sessions!(), id: SESSION }));
}

const CHECK = "23514";
const FK = "23503";
const UNIQUE = "23505";
const NOT_NULL = "23502";
const BAD_TEXT = "22P02";
const long = (n: number) => "x".repeat(n);

type Case = readonly [table: string, label: string, change: Record<string, unknown>, code: string, constraint?: string];

const cases: Case[] = [
  ["schema_migrations", "a version that is not four digits", { version: "12" }, CHECK, "schema_migrations_version_check"],
  ["schema_migrations", "a checksum that is not 64 hex characters", { checksum: "abc" }, CHECK, "schema_migrations_checksum_check"],

  ["users", "an email without @", { email: "not-an-email" }, CHECK, "users_email_format"],
  ["users", "an email with a space", { email: "a b@example.com" }, CHECK, "users_email_format"],
  ["users", "an email with two @", { email: "a@b@example.com" }, CHECK, "users_email_format"],
  ["users", "an email whose domain has no dot", { email: "a@localhost" }, CHECK, "users_email_format"],
  ["users", "an email longer than 254 characters", { email: `${long(250)}@example.com` }, CHECK, "users_email_format"],
  ["users", "no email", { email: null }, NOT_NULL],
  ["users", "an unknown status", { status: "banned" }, CHECK, "users_status_check"],
  ["users", "status disabled without disabled_at", { status: "disabled" }, CHECK, "users_disabled_consistent"],
  ["users", "disabled_at on an active account", { disabled_at: T0 }, CHECK, "users_disabled_consistent"],
  ["users", "a password hash that is not a PHC string", { password_hash: "plaintext-password" }, CHECK, "users_password_hash_check"],
  ["users", "a negative MFA failure count", { mfa_failed_count: -1 }, CHECK, "users_mfa_failed_count_check"],
  ["users", "a name longer than 200 characters", { name: long(201) }, CHECK, "users_name_check"],
  [
    "users",
    "a disabled reason longer than 500 characters",
    { status: "disabled", disabled_at: T0, disabled_reason: long(501) },
    CHECK,
    "users_disabled_reason_check",
  ],

  [
    "password_history",
    "a hash that is not a PHC string",
    { password_hash: "5f4dcc3b5aa765d61d8327deb882cf99" },
    CHECK,
    "password_history_password_hash_check",
  ],
  ["password_history", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "password_history_user_id_fkey"],

  ["sessions", "an id shorter than 22 characters", { id: "short" }, CHECK, "sessions_id_check"],
  ["sessions", "an id with a character outside base64url", { id: "abc.defghijklmnopqrstu" }, CHECK, "sessions_id_check"],
  ["sessions", "a secret hash that is not lower-case hex", { secret_hash: "A".repeat(64) }, CHECK, "sessions_secret_hash_check"],
  ["sessions", "a secret hash of the wrong length", { secret_hash: "ab".repeat(31) }, CHECK, "sessions_secret_hash_check"],
  ["sessions", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "sessions_user_id_fkey"],
  ["sessions", "aal 3", { aal: 3 }, CHECK, "sessions_aal_check"],
  ["sessions", "aal 0", { aal: 0 }, CHECK, "sessions_aal_check"],
  ["sessions", "an unknown revoked_reason", { revoked_at: T0, revoked_reason: "bored" }, CHECK, "sessions_revoked_reason_check"],
  ["sessions", "revoked_at without a reason", { revoked_at: T0 }, CHECK, "sessions_revocation_consistent"],
  ["sessions", "a reason without revoked_at", { revoked_reason: "logout" }, CHECK, "sessions_revocation_consistent"],
  ["sessions", "an idle expiry after the absolute expiry", { idle_expires_at: at(90000) }, CHECK, "sessions_expiry_order"],
  [
    "sessions",
    "an absolute expiry before creation",
    { created_at: at(100000), idle_expires_at: at(3600), absolute_expires_at: at(86400) },
    CHECK,
    "sessions_expiry_order",
  ],
  ["sessions", "a user agent longer than 512 characters", { user_agent: long(513) }, CHECK, "sessions_user_agent_check"],
  ["sessions", "an ip that is not an address", { ip: "not-an-ip" }, BAD_TEXT],
  ["sessions", "a duplicate id", { id: SESSION }, UNIQUE, "sessions_pkey"],

  ["refresh_tokens", "a token hash that is not hex", { token_hash: "z".repeat(64) }, CHECK, "refresh_tokens_token_hash_check"],
  ["refresh_tokens", "an unknown session", { session_id: "no_such_session_000000" }, FK, "refresh_tokens_session_id_fkey"],
  ["refresh_tokens", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "refresh_tokens_user_id_fkey"],
  ["refresh_tokens", "an unknown parent", { parent_id: 999999 }, FK, "refresh_tokens_parent_id_fkey"],
  ["refresh_tokens", "used_at without a sealed successor", { used_at: T0 }, CHECK, "refresh_tokens_successor_consistent"],
  ["refresh_tokens", "a sealed successor on an unused token", { successor_sealed: "sealed" }, CHECK, "refresh_tokens_successor_consistent"],

  ["one_time_tokens", "an unknown purpose", { purpose: "login" }, CHECK, "one_time_tokens_purpose_check"],
  ["one_time_tokens", "a token hash that is not hex", { token_hash: "not-a-hash" }, CHECK, "one_time_tokens_token_hash_check"],
  ["one_time_tokens", "an expiry at creation time", { expires_at: T0 }, CHECK, "one_time_tokens_expiry_order"],
  ["one_time_tokens", "an expiry before creation", { expires_at: at(-1) }, CHECK, "one_time_tokens_expiry_order"],
  ["one_time_tokens", "an email longer than 254 characters", { email: `${long(250)}@example.com` }, CHECK, "one_time_tokens_email_check"],
  ["one_time_tokens", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "one_time_tokens_user_id_fkey"],

  ["mfa_challenges", "an id that is not 22 base64url characters", { id: "x" }, CHECK, "mfa_challenges_id_check"],
  ["mfa_challenges", "a secret hash that is not hex", { secret_hash: "x".repeat(64) }, CHECK, "mfa_challenges_secret_hash_check"],
  ["mfa_challenges", "an unknown purpose", { purpose: "reset" }, CHECK, "mfa_challenges_purpose_check"],
  ["mfa_challenges", "an expiry before creation", { expires_at: at(-60) }, CHECK, "mfa_challenges_expiry_order"],

  [
    "mfa_factors",
    "a plain base32 secret (not an envelope)",
    { encrypted_secret: "JBSWY3DPEHPK3PXP" },
    CHECK,
    "mfa_factors_encrypted_secret_check",
  ],
  [
    "mfa_factors",
    "an envelope of an unknown version",
    { encrypted_secret: "v2.k1.bm9uY2U.Y2lwaGVydGV4dA" },
    CHECK,
    "mfa_factors_encrypted_secret_check",
  ],
  ["mfa_factors", "an envelope with a missing part", { encrypted_secret: "v1.k1.bm9uY2U" }, CHECK, "mfa_factors_encrypted_secret_check"],
  [
    "mfa_factors",
    "an envelope with a non-base64url part",
    { encrypted_secret: "v1.k1.bm9u+Y2U.Y2lw/aGVy" },
    CHECK,
    "mfa_factors_encrypted_secret_check",
  ],
  ["mfa_factors", "an unknown status", { status: "enabled" }, CHECK, "mfa_factors_status_check"],
  ["mfa_factors", "an unknown type", { type: "sms" }, CHECK, "mfa_factors_type_check"],
  ["mfa_factors", "status active without confirmed_at", { status: "active" }, CHECK, "mfa_factors_confirmed_consistent"],
  ["mfa_factors", "confirmed_at on a pending factor", { confirmed_at: T0 }, CHECK, "mfa_factors_confirmed_consistent"],
  ["mfa_factors", "a negative last used time step", { last_used_step: -1 }, CHECK, "mfa_factors_last_used_step_check"],
  ["mfa_factors", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "mfa_factors_user_id_fkey"],

  ["mfa_backup_codes", "a lower-case lookup", { lookup: "abcd" }, CHECK, "mfa_backup_codes_lookup_check"],
  ["mfa_backup_codes", "a lookup with a character outside base32", { lookup: "ABC1" }, CHECK, "mfa_backup_codes_lookup_check"],
  ["mfa_backup_codes", "a lookup of five characters", { lookup: "ABCDE" }, CHECK, "mfa_backup_codes_lookup_check"],
  ["mfa_backup_codes", "a code stored in plain text", { code_hash: "ABCD-EFGH-JKLM" }, CHECK, "mfa_backup_codes_code_hash_check"],
  [
    "mfa_backup_codes",
    "a code hashed with argon2i instead of argon2id",
    { code_hash: "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" },
    CHECK,
    "mfa_backup_codes_code_hash_check",
  ],
  ["mfa_backup_codes", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "mfa_backup_codes_user_id_fkey"],

  ["trusted_devices", "an id that is not 22 base64url characters", { id: "device" }, CHECK, "trusted_devices_id_check"],
  ["trusted_devices", "a secret hash that is not hex", { secret_hash: "device-token" }, CHECK, "trusted_devices_secret_hash_check"],
  ["trusted_devices", "an expiry before creation", { expires_at: at(-1) }, CHECK, "trusted_devices_expiry_order"],
  ["trusted_devices", "a label longer than 512 characters", { label: long(513) }, CHECK, "trusted_devices_label_check"],

  ["roles", "an upper-case name", { name: "Admin2" }, CHECK, "roles_name_check"],
  ["roles", "a one-letter name", { name: "a" }, CHECK, "roles_name_check"],
  ["roles", "a name with a space", { name: "super admin" }, CHECK, "roles_name_check"],
  ["roles", "permissions as an object", { permissions: '{"users:read": true}' }, CHECK, "roles_permissions_array"],
  ["roles", "permissions as a string", { permissions: '"users:read"' }, CHECK, "roles_permissions_array"],
  ["roles", "permissions as null JSON", { permissions: "null" }, CHECK, "roles_permissions_array"],
  ["roles", "a duplicate name", { name: "admin" }, UNIQUE, "roles_name_key"],
  ["roles", "a description longer than 500 characters", { description: long(501) }, CHECK, "roles_description_check"],

  ["user_roles", "an unknown role", { role_id: 999999 }, FK, "user_roles_role_id_fkey"],
  ["user_roles", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "user_roles_user_id_fkey"],
  ["user_roles", "an unknown granting user", { granted_by: "00000000-0000-4000-8000-00000000dead" }, FK, "user_roles_granted_by_fkey"],

  ["oauth_accounts", "an upper-case provider", { provider: "GitHub" }, CHECK, "oauth_accounts_provider_check"],
  ["oauth_accounts", "an empty provider account id", { provider_account_id: "" }, CHECK, "oauth_accounts_provider_account_id_check"],
  ["oauth_accounts", "an unknown user", { user_id: "00000000-0000-4000-8000-00000000dead" }, FK, "oauth_accounts_user_id_fkey"],

  ["audit_logs", "an event type nobody declared", { event_type: "login.succeeded" }, FK, "audit_logs_event_type_fkey"],
  ["audit_logs", "an unknown result", { result: "ok" }, CHECK, "audit_logs_result_check"],
  ["audit_logs", "details as an array", { details: '["password"]' }, CHECK, "audit_logs_details_check"],
  ["audit_logs", "details as a string", { details: '"password"' }, CHECK, "audit_logs_details_check"],
  ["audit_logs", "a subject hash that is an email", { subject_hash: "a@example.com" }, CHECK, "audit_logs_subject_hash_check"],
  ["audit_logs", "a request id longer than 64 characters", { request_id: long(65) }, CHECK, "audit_logs_request_id_check"],
  ["audit_logs", "a user agent longer than 512 characters", { user_agent: long(513) }, CHECK, "audit_logs_user_agent_check"],

  ["rate_limits", "a window that ends when it starts", { expires_at: T0 }, CHECK, "rate_limits_window_order"],
  ["rate_limits", "a window that ends before it starts", { expires_at: at(-60) }, CHECK, "rate_limits_window_order"],
  ["rate_limits", "a negative count", { count: -1 }, CHECK, "rate_limits_count_check"],
  ["rate_limits", "a key longer than 200 characters", { key: long(201) }, CHECK, "rate_limits_key_check"],

  [
    "login_throttles",
    "a subject that is not a SHA-256 hex digest",
    { subject_hash: "a@example.com" },
    CHECK,
    "login_throttles_subject_hash_check",
  ],
  ["login_throttles", "negative failures", { failures: -1 }, CHECK, "login_throttles_failures_check"],
  ["login_throttles", "negative total failures", { total_failures: -1 }, CHECK, "login_throttles_total_failures_check"],
  ["login_throttles", "a negative lock count", { lock_count: -1 }, CHECK, "login_throttles_lock_count_check"],

  ["mail_outbox", "an unknown status", { status: "delivered" }, CHECK, "mail_outbox_status_check"],
  ["mail_outbox", "a template name with capitals and dashes", { template: "Verify-Email" }, CHECK, "mail_outbox_template_check"],
  ["mail_outbox", "a subject longer than 300 characters", { subject: long(301) }, CHECK, "mail_outbox_subject_check"],
  [
    "mail_outbox",
    "an address longer than 254 characters",
    { to_address: `${long(250)}@example.com` },
    CHECK,
    "mail_outbox_to_address_check",
  ],
];

describe("constraints: one bad column per row", () => {
  // a refused INSERT leaves nothing behind, so one seeding serves the whole table of cases
  beforeAll(async () => {
    const db = await testDb();
    await resetDb(db);
    await seedParents(db);
  });

  it("accepts the reference row of every table (so each refusal below is caused by its one change)", async () => {
    const db = await testDb();
    class Rollback extends Error {}
    const inserted = await db
      .transaction(async (tx) => {
        let n = 0;
        for (const table of Object.keys(valid)) n += (await tx.query(insertRow(table, valid[table]!()))).rowCount;
        n += (await tx.query(insertRow("mfa_factors", { ...valid.mfa_factors!(), status: "active", confirmed_at: T0 }))).rowCount;
        n += (await tx.query(insertRow("users", { ...valid.users!(), status: "disabled", disabled_at: T0, disabled_reason: "abuse" })))
          .rowCount;
        n += (await tx.query(insertRow("sessions", { ...valid.sessions!(), revoked_at: T0, revoked_reason: "logout", ip: "2001:db8::1" })))
          .rowCount;
        throw Object.assign(new Rollback(), { n });
      })
      .catch((error: unknown) => {
        if (error instanceof Rollback) return (error as Rollback & { n: number }).n;
        throw error;
      });
    // rolled back, so the cases below meet no leftover row
    expect(inserted).toBe(Object.keys(valid).length + 3);
  });

  const table = cases.map(([table, label, change, code, constraint]) => ({ table, label, change, code, constraint }));
  it.each(table)("$table refuses $label", async ({ table, change, code, constraint }) => {
    const db = await testDb();
    const error = await sqlError(db.query(insertRow(table, { ...valid[table]!(), ...change })));
    expect(error.code, error.message).toBe(code);
    if (constraint) expect(error.constraint, error.message).toBe(constraint);
  });
});

describe("constraints: uniqueness and references", () => {
  beforeEach(async () => {
    const db = await testDb();
    await resetDb(db);
    await seedParents(db);
  });

  it("refuses a second pending and a second active TOTP factor for one user, but allows one of each", async () => {
    const db = await testDb();
    await db.query(insertRow("mfa_factors", valid.mfa_factors!()));
    await db.query(insertRow("mfa_factors", { ...valid.mfa_factors!(), status: "active", confirmed_at: T0 }));
    const pending = await sqlError(db.query(insertRow("mfa_factors", valid.mfa_factors!())));
    expect(pending.constraint).toBe("mfa_factors_user_pending_key");
    const active = await sqlError(db.query(insertRow("mfa_factors", { ...valid.mfa_factors!(), status: "active", confirmed_at: T0 })));
    expect(active.constraint).toBe("mfa_factors_user_active_key");
    await db.query(insertRow("mfa_factors", { ...valid.mfa_factors!(), user_id: OTHER_USER }));
  });

  it("refuses a backup-code lookup prefix used twice by one user, not across users", async () => {
    const db = await testDb();
    await db.query(insertRow("mfa_backup_codes", { ...valid.mfa_backup_codes!(), lookup: "QQQQ" }));
    const error = await sqlError(db.query(insertRow("mfa_backup_codes", { ...valid.mfa_backup_codes!(), lookup: "QQQQ" })));
    expect(error.constraint).toBe("mfa_backup_codes_user_lookup_key");
    await db.query(insertRow("mfa_backup_codes", { ...valid.mfa_backup_codes!(), lookup: "QQQQ", user_id: OTHER_USER }));
  });

  it("refuses a refresh token hash stored twice", async () => {
    const db = await testDb();
    const row = valid.refresh_tokens!();
    await db.query(insertRow("refresh_tokens", row));
    const error = await sqlError(db.query(insertRow("refresh_tokens", { ...valid.refresh_tokens!(), token_hash: row.token_hash })));
    expect(error.constraint).toBe("refresh_tokens_hash_key");
  });

  it("refuses two unspent one-time tokens with the same hash, but keeps spent ones out of the way", async () => {
    const db = await testDb();
    const tokenHash = hex64();
    await db.query(insertRow("one_time_tokens", { ...valid.one_time_tokens!(), token_hash: tokenHash, used_at: T0 }));
    await db.query(insertRow("one_time_tokens", { ...valid.one_time_tokens!(), token_hash: tokenHash }));
    const error = await sqlError(db.query(insertRow("one_time_tokens", { ...valid.one_time_tokens!(), token_hash: tokenHash })));
    expect(error.constraint).toBe("one_time_tokens_live_hash_key");
  });

  it("refuses a second link of the same OAuth account, to any user", async () => {
    const db = await testDb();
    await db.query(insertRow("oauth_accounts", { ...valid.oauth_accounts!(), provider_account_id: "42" }));
    const error = await sqlError(
      db.query(insertRow("oauth_accounts", { ...valid.oauth_accounts!(), provider_account_id: "42", user_id: OTHER_USER })),
    );
    expect(error.constraint).toBe("oauth_accounts_provider_provider_account_id_key");
  });

  it("refuses to delete a role that is still granted", async () => {
    const db = await testDb();
    const role = await db.query<{ id: number }>(sql`INSERT INTO roles (name) VALUES (${"auditor"}) RETURNING id`);
    await db.query(sql`INSERT INTO user_roles (user_id, role_id) VALUES (${USER}, ${role.rows[0]!.id})`);
    const error = await sqlError(db.query(sql`DELETE FROM roles WHERE id = ${role.rows[0]!.id}`));
    // foreign_key_violation on Postgres 15; Postgres 18 (PGlite) reports restrict_violation
    expect(["23503", "23001"]).toContain(error.code);
    expect(error.constraint).toBe("user_roles_role_id_fkey");
  });

  it("refuses an UPDATE that breaks a rule, not only an INSERT", async () => {
    const db = await testDb();
    expect((await sqlError(db.query(sql`UPDATE users SET status = 'disabled' WHERE id = ${USER}`))).constraint).toBe(
      "users_disabled_consistent",
    );
    expect((await sqlError(db.query(sql`UPDATE sessions SET revoked_at = ${T0} WHERE id = ${SESSION}`))).constraint).toBe(
      "sessions_revocation_consistent",
    );
    expect(
      (await sqlError(db.query(sql`UPDATE sessions SET idle_expires_at = absolute_expires_at + interval '1 second' WHERE id = ${SESSION}`)))
        .constraint,
    ).toBe("sessions_expiry_order");
  });
});

describe("unique live email", () => {
  beforeEach(async () => resetDb(await testDb()));

  it("refuses the same email in another case among live accounts", async () => {
    const db = await testDb();
    await db.query(sql`INSERT INTO users (email) VALUES (${"Alice@Example.com"})`);
    const error = await sqlError(db.query(sql`INSERT INTO users (email) VALUES (${"alice@example.COM"})`));
    expect(error.code).toBe(UNIQUE);
    expect(error.constraint).toBe("users_email_live_key");
  });

  it("keeps +tags distinct (an address is compared as typed, never stripped)", async () => {
    const db = await testDb();
    await db.query(sql`INSERT INTO users (email) VALUES (${"alice@example.com"}), (${"alice+work@example.com"})`);
    const n = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`);
    expect(n.rows[0]!.n).toBe(2);
  });

  it("lets a deleted account's email be registered again, any number of times", async () => {
    const db = await testDb();
    await db.query(sql`INSERT INTO users (email, deleted_at) VALUES (${"bob@example.com"}, ${T0}), (${"BOB@example.com"}, ${at(1)})`);
    await db.query(sql`INSERT INTO users (email) VALUES (${"Bob@Example.com"})`);
    const error = await sqlError(
      db.query(sql`UPDATE users SET deleted_at = NULL WHERE email = ${"bob@example.com"} AND deleted_at = ${T0}`),
    );
    expect(error.constraint).toBe("users_email_live_key");
  });

  it("makes the registration upsert (ON CONFLICT on the partial index) return nothing for a live duplicate", async () => {
    const db = await testDb();
    const first = await insertUserIfAbsent(db, { email: "carol@example.com", name: null, passwordHash: HASH, now: T0 });
    expect(first).not.toBeNull();
    expect(await insertUserIfAbsent(db, { email: "CAROL@example.com", name: null, passwordHash: HASH, now: T0 })).toBeNull();
    await db.query(sql`UPDATE users SET deleted_at = ${at(10)} WHERE id = ${first!.id}`);
    const again = await insertUserIfAbsent(db, { email: "Carol@example.com", name: null, passwordHash: HASH, now: at(20) });
    expect(again?.id).not.toBe(first!.id);
  });
});

describe("cascades", () => {
  beforeEach(async () => resetDb(await testDb()));

  /** One row of every kind that belongs to a user (and to its session). */
  async function seedUser(db: Db, userId: string, sessionId: string, email: string, grantedBy: string | null): Promise<void> {
    await db.query(sql`INSERT INTO users (id, email) VALUES (${userId}, ${email})`);
    await db.query(insertRow("sessions", { ...valid.sessions!(), id: sessionId, user_id: userId }));
    const parent = await db.query<{ id: number }>(sql`
      INSERT INTO refresh_tokens (session_id, user_id, token_hash, used_at, successor_sealed)
      VALUES (${sessionId}, ${userId}, ${hex64()}, ${T0}, ${"sealed"}) RETURNING id`);
    await db.query(
      sql`INSERT INTO refresh_tokens (session_id, user_id, parent_id, token_hash) VALUES (${sessionId}, ${userId}, ${parent.rows[0]!.id}, ${hex64()})`,
    );
    for (const table of [
      "password_history",
      "one_time_tokens",
      "mfa_challenges",
      "mfa_factors",
      "mfa_backup_codes",
      "trusted_devices",
      "oauth_accounts",
    ]) {
      await db.query(insertRow(table, { ...valid[table]!(), user_id: userId }));
    }
    await db.query(
      sql`INSERT INTO user_roles (user_id, role_id, granted_by) SELECT ${userId}, id, ${grantedBy} FROM roles WHERE name = 'support'`,
    );
    await db.query(insertRow("audit_logs", { ...valid.audit_logs!(), actor_id: userId, target_id: userId, session_id: sessionId }));
  }

  const OWNED = [
    "sessions",
    "refresh_tokens",
    "password_history",
    "one_time_tokens",
    "mfa_challenges",
    "mfa_factors",
    "mfa_backup_codes",
    "trusted_devices",
    "oauth_accounts",
    "user_roles",
  ];

  async function countsFor(db: Db, userId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of OWNED) {
      const { rows } = await db.query<{ n: number }>({
        text: `SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`,
        values: [userId],
      });
      counts[table] = rows[0]!.n;
    }
    return counts;
  }

  it("deleting a user removes its sessions, refresh tokens, one-time tokens, challenges, factors, codes, devices, roles, OAuth links and password history, and nothing of another user", async () => {
    const db = await testDb();
    await seedUser(db, USER, SESSION, "gone@example.com", null);
    await seedUser(db, OTHER_USER, "session_id_0000000000B", "stays@example.com", USER);
    const before = await countsFor(db, USER);
    expect(Object.values(before).every((n) => n > 0)).toBe(true);
    const otherBefore = await countsFor(db, OTHER_USER);

    await db.query(sql`DELETE FROM users WHERE id = ${USER}`);

    expect(Object.values(await countsFor(db, USER)).every((n) => n === 0)).toBe(true);
    expect(await countsFor(db, OTHER_USER)).toEqual(otherBefore);
    // the other user's role survives; only the reference to who granted it is cleared
    const grant = await db.query<{ granted_by: string | null }>(sql`SELECT granted_by FROM user_roles WHERE user_id = ${OTHER_USER}`);
    expect(grant.rows).toEqual([{ granted_by: null }]);
    // the audit log has no foreign keys: it outlives the account it talks about
    const audit = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = ${USER}`);
    expect(audit.rows[0]!.n).toBe(1);
  });

  it("deleting a session removes its refresh-token family and nothing else", async () => {
    const db = await testDb();
    await seedUser(db, USER, SESSION, "owner@example.com", null);
    await db.query(insertRow("sessions", { ...valid.sessions!(), id: "session_id_0000000000C", user_id: USER }));
    await db.query(
      sql`INSERT INTO refresh_tokens (session_id, user_id, token_hash) VALUES (${"session_id_0000000000C"}, ${USER}, ${hex64()})`,
    );

    await db.query(sql`DELETE FROM sessions WHERE id = ${SESSION}`);

    const left = await db.query<{ session_id: string }>(sql`SELECT session_id FROM refresh_tokens ORDER BY id`);
    expect(left.rows).toEqual([{ session_id: "session_id_0000000000C" }]);
    const users = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM users WHERE id = ${USER}`);
    expect(users.rows[0]!.n).toBe(1);
  });
});

describe("refresh-token families", () => {
  beforeEach(async () => {
    const db = await testDb();
    await resetDb(db);
    await seedParents(db);
  });

  it("give a token at most one successor", async () => {
    const db = await testDb();
    const parent = await db.query<{ id: number }>(
      sql`INSERT INTO refresh_tokens (session_id, user_id, token_hash) VALUES (${SESSION}, ${USER}, ${hex64()}) RETURNING id`,
    );
    const parentId = parent.rows[0]!.id;
    await db.query(
      sql`INSERT INTO refresh_tokens (session_id, user_id, parent_id, token_hash) VALUES (${SESSION}, ${USER}, ${parentId}, ${hex64()})`,
    );
    const error = await sqlError(
      db.query(
        sql`INSERT INTO refresh_tokens (session_id, user_id, parent_id, token_hash) VALUES (${SESSION}, ${USER}, ${parentId}, ${hex64()})`,
      ),
    );
    expect(error.code).toBe(UNIQUE);
    expect(error.constraint).toBe("refresh_tokens_one_successor_key");
  });

  it("let exactly one of several concurrent rotations of the same token win", async () => {
    const db = await testDb();
    const parent = await db.query<{ id: number }>(
      sql`INSERT INTO refresh_tokens (session_id, user_id, token_hash) VALUES (${SESSION}, ${USER}, ${hex64()}) RETURNING id`,
    );
    const parentId = parent.rows[0]!.id;
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        db.transaction(async (tx) => {
          await tx.query(
            sql`INSERT INTO refresh_tokens (session_id, user_id, parent_id, token_hash) VALUES (${SESSION}, ${USER}, ${parentId}, ${hex64()})`,
          );
          await tx.query(sql`SELECT pg_sleep(0.05)`);
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(1);
    for (const failed of attempts.filter((a): a is PromiseRejectedResult => a.status === "rejected")) {
      expect((failed.reason as { constraint?: string }).constraint).toBe("refresh_tokens_one_successor_key");
    }
    const children = await db.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM refresh_tokens WHERE parent_id = ${parentId}`);
    expect(children.rows[0]!.n).toBe(1);
  });
});
