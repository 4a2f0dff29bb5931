/**
 * Waiting for work the server does after its response (Next.js after()): the forgot-password
 * and verification-resend routes look the address up, mint the token, queue the mail and write
 * the audit row once the 202 has gone out (issue 10 item 11).
 */
import { createHash } from "node:crypto";
import { serverSql } from "./http";

const POLL_MS = 25;
const TIMEOUT_MS = 20_000;

/** Reads until `accept` holds (then returns the value) or throws after `timeoutMs`, naming `what`. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value).slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The subject hash the audit log keys addresses by. */
export function addressHash(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
}

/**
 * Waits until `count` requests of `eventType` for this address have finished their work after
 * the response. Their audit row is written in the same transaction as the token and the mail,
 * so from then on the outbox holds every message they sent (and only those).
 */
export async function requestsSettled(
  eventType: "password.reset.requested" | "email.verification.requested",
  email: string,
  count = 1,
): Promise<void> {
  await eventually(
    async () =>
      (
        await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs WHERE event_type = $1 AND subject_hash = $2`, [
          eventType,
          addressHash(email),
        ])
      )[0]!.n,
    (n) => n >= count,
    `${count} ${eventType} row(s)`,
  );
}

/**
 * Sends a request of `eventType` for this address and, when it was accepted (202), waits until
 * its work after the response is done; returns the response.
 */
export async function settled<R extends { status: number }>(
  eventType: "password.reset.requested" | "email.verification.requested",
  email: string,
  send: () => Promise<R>,
): Promise<R> {
  const [before] = await serverSql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs WHERE event_type = $1 AND subject_hash = $2`, [
    eventType,
    addressHash(email),
  ]);
  const response = await send();
  if (response.status === 202) await requestsSettled(eventType, email, before!.n + 1);
  return response;
}
