// Password-hashing worker thread (plain JS: spawned by path, outside the Next.js bundle).
// Runs argon2id from @noble/hashes synchronously, which blocks only this thread. The thread
// lowers its own scheduling priority (on Linux, setpriority(0) applies to the calling
// thread), so that when every core is hashing, request handling on the main thread still
// gets the CPU first.
import { parentPort, workerData } from "node:worker_threads";
import { setPriority } from "node:os";
import { argon2id } from "@noble/hashes/argon2.js";

try {
  setPriority(0, workerData?.nice ?? 10);
} catch {
  // not permitted here: hashing still works, only without the priority hint
}

function equal(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ (b[i] ?? 0);
  return diff === 0;
}

parentPort.on("message", (job) => {
  try {
    const params = { m: job.m, t: job.t, p: job.p, dkLen: job.dkLen };
    const digest = argon2id(job.password, job.salt, params);
    const result = job.expected ? equal(digest, job.expected) : digest;
    parentPort.postMessage({ id: job.id, ok: true, result });
  } catch (error) {
    parentPort.postMessage({ id: job.id, ok: false, error: String(error?.message ?? error) });
  }
});
