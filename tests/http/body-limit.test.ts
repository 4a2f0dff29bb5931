/**
 * Request bodies are capped at 64 KiB while they are read (issue 10 item 10): a chunked body
 * (no Content-Length) is refused with 413 payload_too_large as soon as the limit is passed,
 * while the client is still sending, instead of being buffered whole first.
 */
import { describe, expect, it } from "vitest";
import { request } from "node:http";
import { baseUrl } from "../support/http";
import { TEST_ORIGIN } from "../support/env";

const CHUNK = Buffer.alloc(16 * 1024, "a");
/** How much the client is willing to send before giving up: 32 MiB, 500 times the limit. */
const MAX_SEND_BYTES = 32 * 1024 * 1024;

/**
 * Streams a chunked body of `"` + a's into POST /api/auth/login and stops once a response
 * arrives: resolves with its status, body and how many bytes had been sent by then.
 */
function sendChunked(path: string): Promise<{ status: number; body: string; sentBytes: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = request(
      `${baseUrl()}${path}`,
      {
        method: "POST",
        headers: { "content-type": "application/json", origin: TEST_ORIGIN, "transfer-encoding": "chunked", "x-real-ip": "10.77.0.1" },
      },
      (res) => {
        answered = true;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, sentBytes, ms: performance.now() - started });
        });
      },
    );
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.write('{"email":"');
    const pump = () => {
      while (!answered && sentBytes < MAX_SEND_BYTES) {
        sentBytes += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once("drain", pump);
      }
      if (!answered) req.end('"}');
    };
    pump();
  });
}

describe("chunked request bodies (#10)", () => {
  it("answers 413 payload_too_large while a large chunked body is still being sent", async () => {
    const res = await sendChunked("/api/auth/login");
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("payload_too_large");
    // the server stopped reading near the limit: the client had sent a small part of what it would have
    expect(res.sentBytes).toBeLessThan(MAX_SEND_BYTES);
    console.info(`413 after ${res.ms.toFixed(0)} ms with ${(res.sentBytes / 1024).toFixed(0)} KiB sent`);
  }, 60_000);

  it("still accepts a chunked body under the limit", async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${baseUrl()}/api/auth/login`,
        {
          method: "POST",
          headers: { "content-type": "application/json", origin: TEST_ORIGIN, "transfer-encoding": "chunked", "x-real-ip": "10.77.0.2" },
        },
        (r) => {
          r.resume();
          r.on("end", () => resolve(r.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.write('{"email":"nobody@example.com",');
      req.end('"password":"wrong password here"}');
    });
    expect(res).toBe(401);
  });
});
