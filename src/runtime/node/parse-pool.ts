// Large request bodies read off the request thread: a small pool of worker threads
// (node:worker_threads) that decode, JSON.parse and view a body (core/proxy/body-read.ts) and hand
// its messages back in batches, one per turn of the event loop. JSON.parse cannot be paused, and a
// few MiB of it hold the loop for hundreds of ms; here the loop only moves messages, so /healthz
// and other clients' streams keep their pace. The request's deadline bounds a job: queued, it is
// dropped; still parsing, its worker is terminated (JSON.parse stops there) and replaced.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FormatId, ViewMessage } from '../../core/formats/types.ts';
import type { Deadline } from '../../core/gloss/deadline.ts';
import type { BodyRead, BodyReader } from '../../core/proxy/body-read.ts';
import type { FromParseWorker, ToParseWorker } from './parse-worker.ts';

const ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./parse-worker-entry.mjs', import.meta.url)
  : new URL('./parse-worker.js', import.meta.url);

/** Bodies smaller than this are read on the request thread (JSON.parse of 128 KiB: a few ms at worst). */
export const PARSE_OFF_THREAD_BYTES = 128 * 1024;

/** Options of {@link createParsePool}. */
export interface ParsePoolOptions {
  /** Worker threads (default: 2, or 1 on a one-core machine). */
  size?: number;
  /** Smallest body, in bytes, read off the thread (default {@link PARSE_OFF_THREAD_BYTES}). */
  minBytes?: number;
}

/** A worker-thread body reader with close(). */
export interface ParsePool extends BodyReader {
  readonly size: number;
  close(): Promise<void>;
}

interface Job {
  id: number;
  bytes: Uint8Array;
  format: FormatId;
  messages: ViewMessage[];
  timer?: ReturnType<typeof setTimeout>;
  done(r: BodyRead | Error): void;
}

interface Slot {
  worker: Worker;
  busy?: Job;
  /** The busy job is still in JSON.parse (no batch back yet). */
  parsing: boolean;
}

/** Starts the workers and waits until each is ready (rejects if one cannot start). */
export async function createParsePool(opts: ParsePoolOptions = {}): Promise<ParsePool> {
  const pool = new Pool(
    Math.max(1, opts.size ?? Math.min(2, availableParallelism())),
    opts.minBytes ?? PARSE_OFF_THREAD_BYTES,
  );
  await pool.start();
  return pool;
}

class Pool implements ParsePool {
  readonly kind: string;
  private readonly queue: Job[] = [];
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    readonly minBytes: number,
  ) {
    this.kind = `parse-pool(${size})`;
  }

  async start(): Promise<void> {
    const started = await Promise.allSettled(Array.from({ length: this.size }, () => this.spawn()));
    for (const s of started) if (s.status === 'fulfilled') this.slots.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await this.close();
      throw (failed as PromiseRejectedResult).reason;
    }
  }

  read(bytes: Uint8Array, format: FormatId, deadline: Deadline): Promise<BodyRead> {
    if (this.closed) return Promise.reject(new Error('the body-reading pool is closed'));
    if (deadline.expired()) return Promise.resolve({ ok: false, timeout: true });
    return new Promise<BodyRead>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        bytes,
        format,
        messages: [],
        done: (r) => (r instanceof Error ? reject(r) : resolve(r)),
      };
      if (Number.isFinite(deadline.at)) job.timer = setTimeout(() => this.expire(job), Math.max(0, deadline.left()));
      this.queue.push(job);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.done(new Error('the body-reading pool is closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  /** A new worker, resolved once it says it is ready; one that dies later fails its job and is replaced. */
  private spawn(): Promise<Slot> {
    const worker = new Worker(ENTRY);
    const slot: Slot = { worker, parsing: false };
    return new Promise<Slot>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromParseWorker) => {
        if ('ready' in m && !ready) {
          ready = true;
          resolve(slot);
        } else this.onMessage(slot, m);
      });
      const died = (why: string) => {
        const job = slot.busy;
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        if (job) this.finish(slot, job, new Error(`body-reading worker ${why}`));
        if (!ready) reject(new Error(`body-reading worker ${why} while starting`));
        else if (!this.closed) this.respawn();
      };
      worker.once('error', (e) => died(`failed: ${e.message}`));
      worker.once('exit', (code) => {
        if (this.slots.includes(slot) || !ready) died(`exited (${code})`);
      });
    });
  }

  private respawn(): void {
    this.spawn().then(
      (s) => {
        if (this.closed) return void s.worker.terminate();
        this.slots.push(s);
        this.dispatch();
      },
      () => {},
    );
  }

  /** Hands queued jobs to idle workers. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.busy = job;
      slot.parsing = true;
      // Copied, not transferred: the handler forwards these bytes when the body goes out unglossed.
      slot.worker.postMessage({ id: job.id, bytes: job.bytes, format: job.format } satisfies ToParseWorker);
    }
  }

  /** A batch of the busy job's messages (the next one asked for once the loop has turned), or its 400. */
  private onMessage(slot: Slot, m: FromParseWorker): void {
    if ('ready' in m) return;
    const job = slot.busy;
    if (!job || job.id !== m.id) return;
    slot.parsing = false;
    if ('error' in m) return this.finish(slot, job, { ok: false, error: m.error });
    for (const msg of m.batch) job.messages.push(msg);
    if (m.last) return this.finish(slot, job, { ok: true, messages: job.messages });
    // I/O and timers first: a batch is all the request thread deserializes in one turn.
    setImmediate(() => {
      if (slot.busy === job) slot.worker.postMessage({ next: job.id } satisfies ToParseWorker);
    });
  }

  /** The deadline passed: drop the job where it is; a worker still parsing it is replaced. */
  private expire(job: Job): void {
    const q = this.queue.indexOf(job);
    if (q >= 0) this.queue.splice(q, 1);
    const slot = this.slots.find((s) => s.busy === job);
    if (slot?.parsing) {
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate();
      this.respawn();
    } else slot?.worker.postMessage({ drop: job.id } satisfies ToParseWorker);
    this.finish(slot, job, { ok: false, timeout: true });
  }

  private finish(slot: Slot | undefined, job: Job, r: BodyRead | Error): void {
    if (slot?.busy === job) slot.busy = undefined;
    clearTimeout(job.timer);
    job.done(r);
    this.dispatch();
  }
}
