import { describe, expect, it } from "vitest";
import { argon2id } from "@noble/hashes/argon2.js";
import { Client, GOOD_PASSWORD, latestMail, serverSql, uniqueEmail } from "../support/http";
import { BREACHED_PASSWORDS } from "../support/env";

async function registerAndLogin(password: string, email = uniqueEmail()): Promise<{ register: number; login: number }> {
  const client = new Client();
  const register = (await client.post("/api/auth/register", { email, password })).status;
  const login = (await client.post("/api/auth/login", { email, password })).status;
  return { register, login };
}

describe("POST /api/auth/register: password policy", () => {
  it("refuses a 14-character password with password_too_short and accepts 15 (#1)", async () => {
    const client = new Client();
    const short = await client.post("/api/auth/register", { email: uniqueEmail(), password: "abcdefghijklmn" });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe("password_too_short");
    const ok = await client.post("/api/auth/register", { email: uniqueEmail(), password: "k8#vQ2!zr5Lw9pX" });
    expect(ok.status).toBe(201);
  });

  it("accepts 64- and 256-character passwords for registration and sign-in (#2)", async () => {
    expect(await registerAndLogin("q".repeat(20) + "w".repeat(44))).toEqual({ register: 201, login: 200 });
    expect(await registerAndLogin("Zebra crossing at dawn ".repeat(12).slice(0, 256))).toEqual({ register: 201, login: 200 });
  });

  it("refuses a 10,000-character password quickly without computing a hash (#2)", async () => {
    // x-test-password-hashes: the hashes this very request started (test hooks only)
    const client = new Client();
    const started = performance.now();
    const reg = await client.post("/api/auth/register", { email: uniqueEmail(), password: "x".repeat(10_000) });
    const login = await client.post("/api/auth/login", { email: uniqueEmail(), password: "x".repeat(10_000) });
    const elapsed = performance.now() - started;
    expect(reg.status).toBe(400);
    expect(login.status).toBe(400);
    const over = await client.post("/api/auth/login", { email: uniqueEmail(), password: "y".repeat(300) });
    expect(over.status).toBe(401);
    for (const res of [reg, login, over]) expect(res.headers.get("x-test-password-hashes")).toBe("0");
    const normal = await client.post("/api/auth/login", { email: uniqueEmail(), password: "a normal wrong password" });
    expect(normal.headers.get("x-test-password-hashes")).toBe("1");
    expect(elapsed).toBeLessThan(2000);
  });

  it("imposes no composition rules: lowercase, spaces, emoji and CJK all work (#3)", async () => {
    for (const password of ["qzmxnwbcveurytia", "correct horse battery staple glue", "🦊🌲🦉 森の中を歩く 🍄🌙⭐ moonlit"]) {
      expect(await registerAndLogin(password)).toEqual({ register: 201, login: 200 });
    }
  });

  it("checks the whole password as typed: no truncation, case kept, NFKC-normalised (#4)", async () => {
    const email = uniqueEmail();
    const password = `Pa${"ssphrase-with-many-words-".repeat(3)}tail-end-of-an-eighty-char-secret!`;
    expect(password.length).toBeGreaterThanOrEqual(80);
    const client = new Client();
    expect((await client.post("/api/auth/register", { email, password })).status).toBe(201);
    expect((await client.post("/api/auth/login", { email, password: `${password.slice(0, -1)}?` })).status).toBe(401);
    expect((await client.post("/api/auth/login", { email, password: `p${password.slice(1)}` })).status).toBe(401);
    expect((await client.post("/api/auth/login", { email, password })).status).toBe(200);

    const composed = "caf\u00e9 au lait on a rainy morning";
    const decomposed = "cafe\u0301 au lait on a rainy morning";
    const e2 = uniqueEmail();
    expect((await client.post("/api/auth/register", { email: e2, password: composed })).status).toBe(201);
    expect((await client.post("/api/auth/login", { email: e2, password: decomposed })).status).toBe(200);
  });

  it("refuses common passwords with password_common and breached ones with password_breached (#5)", async () => {
    const client = new Client();
    for (const password of ["123456789012345", "passwordpassword"]) {
      const res = await client.post("/api/auth/register", { email: uniqueEmail(), password });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("password_common");
    }
    const breached = await client.post("/api/auth/register", { email: uniqueEmail(), password: BREACHED_PASSWORDS[0] });
    expect(breached.status).toBe(400);
    expect(breached.body.error.code).toBe("password_breached");
  });

  it("refuses passwords containing the email or the product name (#6)", async () => {
    const client = new Client();
    const email = uniqueEmail("alice");
    const withEmail = await client.post("/api/auth/register", { email, password: `${email}12345` });
    expect(withEmail.body.error.code).toBe("password_contains_context");
    const withLocal = await client.post("/api/auth/register", { email, password: `my name is ${email.split("@")[0]} ok` });
    expect(withLocal.body.error.code).toBe("password_contains_context");
    const withProduct = await client.post("/api/auth/register", { email: uniqueEmail(), password: "I really like Portcullis a lot" });
    expect(withProduct.status).toBe(400);
    expect(withProduct.body.error.code).toBe("password_contains_context");
  });
});

describe("POST /api/auth/register: storage and enumeration", () => {
  it("stores argon2id at or above m=19456,t=2,p=1 with a unique salt per password (#8)", async () => {
    const a = uniqueEmail();
    const b = uniqueEmail();
    const client = new Client();
    await client.post("/api/auth/register", { email: a, password: GOOD_PASSWORD });
    await client.post("/api/auth/register", { email: b, password: GOOD_PASSWORD });
    const rows = await serverSql<{ password_hash: string }>("SELECT password_hash FROM users WHERE email IN ($1, $2) ORDER BY email", [
      a,
      b,
    ]);
    expect(rows).toHaveLength(2);
    for (const { password_hash } of rows) {
      const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$([^$]+)\$([^$]+)$/.exec(password_hash);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(19456);
      expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    }
    expect(rows[0]!.password_hash.split("$")[4]).not.toBe(rows[1]!.password_hash.split("$")[4]);
    const columns = await serverSql<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'",
    );
    expect(
      columns
        .map((c) => c.column_name)
        .filter((c) => /password/.test(c))
        .sort(),
    ).toEqual(["password_changed_at", "password_hash"]);
  });

  it("answers a taken email exactly like a free one, creates no row and tells the owner (#19)", async () => {
    const email = uniqueEmail();
    const client = new Client();
    const first = await client.post("/api/auth/register", { email, password: GOOD_PASSWORD });
    const second = await client.post("/api/auth/register", { email, password: "another long password entirely" });
    expect(second.status).toBe(first.status);
    expect(second.text).toBe(first.text);
    expect(second.headers.get("set-cookie")).toBe(first.headers.get("set-cookie"));
    const rows = await serverSql("SELECT id FROM users WHERE email = $1", [email]);
    expect(rows).toHaveLength(1);
    expect((await latestMail(email, "signup_attempt"))?.subject).toMatch(/tried to sign up/);
  });

  it("treats emails case-insensitively, keeps +tags distinct, and never duplicates (#20)", async () => {
    const local = uniqueEmail("Foo").split("@")[0]!;
    const client = new Client();
    expect((await client.post("/api/auth/register", { email: `${local}@Example.COM`, password: GOOD_PASSWORD })).status).toBe(201);
    expect((await client.post("/api/auth/login", { email: `${local.toLowerCase()}@example.com`, password: GOOD_PASSWORD })).status).toBe(
      200,
    );
    await client.post("/api/auth/register", { email: `${local.toLowerCase()}@example.com`, password: GOOD_PASSWORD });
    expect(await serverSql("SELECT id FROM users WHERE email = $1", [`${local}@example.com`])).toHaveLength(1);
    expect((await client.post("/api/auth/register", { email: `${local}+x@example.com`, password: GOOD_PASSWORD })).status).toBe(201);
    expect(await serverSql("SELECT id FROM users WHERE email = $1", [`${local}+x@example.com`])).toHaveLength(1);
  });

  it("upgrades a weaker stored hash at the next successful sign-in, and only then (#9)", async () => {
    const email = uniqueEmail();
    const password = "an older account with weak params";
    const client = new Client();
    await client.post("/api/auth/register", { email, password: GOOD_PASSWORD });
    const salt = new Uint8Array(16).fill(7);
    const weak = argon2id(password.normalize("NFKC"), salt, { m: 12288, t: 3, p: 1, dkLen: 32 });
    const b64 = (x: Uint8Array) => Buffer.from(x).toString("base64").replace(/=+$/, "");
    const phc = `$argon2id$v=19$m=12288,t=3,p=1$${b64(salt)}$${b64(weak)}`;
    await serverSql("UPDATE users SET password_hash = $1 WHERE email = $2", [phc, email]);
    expect((await client.post("/api/auth/login", { email, password: "not the password at all!" })).status).toBe(401);
    expect((await serverSql("SELECT password_hash FROM users WHERE email = $1", [email]))[0].password_hash).toBe(phc);
    expect((await client.post("/api/auth/login", { email, password })).status).toBe(200);
    const upgraded = (await serverSql("SELECT password_hash FROM users WHERE email = $1", [email]))[0].password_hash as string;
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await client.post("/api/auth/login", { email, password })).status).toBe(200);
  });

  it("validates input with a 4xx JSON error, never a 500 (#67)", async () => {
    const client = new Client();
    const cases: [unknown, number, string][] = [
      [{ email: "not-an-email", password: GOOD_PASSWORD }, 400, "invalid_request"],
      [{ email: uniqueEmail() }, 400, "invalid_request"],
      [{ email: 42, password: GOOD_PASSWORD }, 400, "invalid_request"],
      [[1, 2, 3], 400, "invalid_request"],
    ];
    for (const [json, status, code] of cases) {
      const res = await client.post("/api/auth/register", json);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
    }
    const broken = await client.request("POST", "/api/auth/register", {
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("invalid_json");
    const echoed = await client.post("/api/auth/register", { email: "bad", password: "SECRET-CANARY-PASSWORD-123" });
    expect(echoed.text).not.toContain("SECRET-CANARY-PASSWORD-123");
  });
});
