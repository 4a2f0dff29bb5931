/**
 * Runs argon2id off the event loop, on a small pool of worker threads (one per core by
 * default, PASSWORD_HASH_THREADS to change). A hash costs ~0.4 s of CPU here; done on the main
 * thread it would stall every request served beside it (session checks included).
 *
 * The queue is bounded: past MAX_QUEUE waiting jobs, hashPassword/verifyPassword throw
 * HasherBusyError (the route answers 503) instead of letting a login flood grow memory without
 * bound (each hash holds 19 MiB while it runs). Rate limits run before any hashing.
 *
 * Node runtime only (worker_threads): routes that hash passwords do not run on the edge.
 */
import { config } from "../config";
import { ARGON2_PARAMS, HASH_BYTES, formatHash, newSalt, parseHash, type Argon2Params } from "./argon2";

const MAX_QUEUE = 256;

interface Job {
  readonly id: number;
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly m: number;
  readonly t: number;
  readonly p: number;
  readonly dkLen: number;
  readonly expected?: Uint8Array;
}

interface Pending {
  readonly job: Job;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface WorkerLike {
  postMessage(message: unknown): void;
  on(event: "message", listener: (message: { id: number; ok: boolean; result?: unknown; error?: string }) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  unref(): void;
}

export class HasherBusyError extends Error {
  constructor() {
    super("password hashing queue is full");
    this.name = "HasherBusyError";
  }
}

class HashPool {
  private readonly idle: WorkerLike[] = [];
  private readonly busy = new Map<WorkerLike, Pending>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private hashes = 0;

  constructor(private readonly workers: WorkerLike[]) {
    for (const worker of workers) {
      worker.unref();
      worker.on("message", (message) => this.finish(worker, message));
      worker.on("error", (error) => this.fail(worker, error));
      this.idle.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Hashes computed so far (tests use it to prove an over-long password was never hashed). */
  get count(): number {
    return this.hashes;
  }

  run(job: Omit<Job, "id">): Promise<unknown> {
    if (this.queue.length >= MAX_QUEUE) return Promise.reject(new HasherBusyError());
    // observed here, in the caller's async context: a queued job starts later from another
    // worker's message callback, where the request's AsyncLocalStorage store is not visible
    hashObserver?.();
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      this.hashes++;
      worker.postMessage(pending.job);
    }
  }

  private finish(worker: WorkerLike, message: { id: number; ok: boolean; result?: unknown; error?: string }): void {
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    this.idle.push(worker);
    if (pending) {
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`password hashing failed: ${message.error}`));
    }
    this.pump();
  }

  private fail(worker: WorkerLike, error: Error): void {
    this.busy.get(worker)?.reject(error);
    this.busy.delete(worker);
  }
}

let hashObserver: (() => void) | null = null;

/** Called once per hash a caller queues (tests count the hashes a request caused through it). */
export function observeHashes(observer: (() => void) | null): void {
  hashObserver = observer;
}

const KEY = Symbol.for("portcullis.hashPool");
type Holder = { [KEY]?: Promise<HashPool> };

async function startPool(threads: number): Promise<HashPool> {
  const { Worker } = await import("node:worker_threads");
  const { availableParallelism } = await import("node:os");
  const { join } = await import("node:path");
  const file = join(process.cwd(), "lib", "passwords", "hash-worker.mjs");
  const count = threads > 0 ? threads : Math.max(1, availableParallelism());
  return new HashPool(Array.from({ length: count }, () => new Worker(file, { workerData: { nice: 10 } }) as unknown as WorkerLike));
}

export function hashPool(threads = config().passwordHashThreads): Promise<HashPool> {
  const holder = globalThis as Holder;
  holder[KEY] ??= startPool(threads);
  return holder[KEY];
}

const encoder = new TextEncoder();

/** NFKC-normalised UTF-8 bytes: "é" typed precomposed or as e + U+0301 hashes the same. */
export function passwordBytes(password: string): Uint8Array {
  return encoder.encode(password.normalize("NFKC"));
}

export async function hashPassword(password: string, params: Argon2Params = ARGON2_PARAMS): Promise<string> {
  const salt = newSalt();
  const pool = await hashPool();
  const digest = (await pool.run({ password: passwordBytes(password), salt, ...params, dkLen: HASH_BYTES })) as Uint8Array;
  return formatHash(params, salt, digest);
}

/** Verifies in constant time (inside the worker). A malformed stored hash never verifies. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parseHash(phc) ?? parseHash(DUMMY_HASH)!;
  const pool = await hashPool();
  const matches = (await pool.run({
    password: passwordBytes(password),
    salt: parsed.salt,
    m: parsed.m,
    t: parsed.t,
    p: parsed.p,
    dkLen: parsed.hash.length,
    expected: parsed.hash,
  })) as boolean;
  return matches && parseHash(phc) !== null;
}

/**
 * A well-formed hash at the current parameters of a random password nobody knows: sign-in for
 * an unknown email verifies against it, so it costs exactly what a real account costs.
 */
export const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Xd4mrj0yAVvjtNwkO2n8WyH8mHTmyq0W3lXDFhvr4fE";
