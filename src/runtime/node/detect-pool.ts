// Detection off the request thread: a pool of worker threads (node:worker_threads), one per core
// by default, each with its own onnxruntime-node session. A request's job waits in a FIFO queue
// for a free worker; the proxy's time budget aborts it there (it is dropped, never run) or between
// texts once running. The event loop only moves messages, so /healthz and other clients' streams
// are never held up by a long prompt. A worker that dies is replaced; its job fails (the proxy
// then fails open or closed as configured).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DetectAnswer, DetectJob, DetectService } from '../../core/gloss/detect.ts';
import type { FromWorker, ToWorker, WorkerInit } from './detect-worker.ts';

// From sources (tsx, vitest) the worker is TypeScript and needs tsx's loader in its thread: the
// .mjs entry registers it. The installed package runs its compiled detect-worker.js directly.
const ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./detect-worker-entry.mjs', import.meta.url)
  : new URL('./detect-worker.js', import.meta.url);

/** Options of {@link createDetectPool}. */
export interface DetectPoolOptions {
  /** Bundle folder each worker loads (already verified by the caller's own load). */
  bundle: string;
  /** Worker threads (default: os.availableParallelism()). */
  size?: number;
  /** A module whose default export `(arg) => InferenceBackend` replaces onnxruntime-node (tests). */
  backendModule?: string;
  backendArg?: unknown;
}

/** A worker-thread detection pool: a DetectService with a queue and close(). */
export interface DetectPool extends DetectService {
  readonly size: number;
  /** Jobs waiting for a worker. */
  queued(): number;
  close(): Promise<void>;
}

interface Pending {
  id: number;
  job: DetectJob;
  signal?: AbortSignal;
  resolve(a: DetectAnswer[]): void;
  reject(e: unknown): void;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

/** A worker's answer to its busy job: settles that job; false when the message is for no job it holds. */
function settle(slot: Slot, m: Exclude<FromWorker, { ready: boolean }>): boolean {
  const p = slot.busy;
  if (!p || p.id !== m.id) return false;
  slot.busy = undefined;
  p.signal?.removeEventListener('abort', p.onAbort!);
  if ('answers' in m) p.resolve(m.answers);
  else p.reject(m.aborted && p.signal?.aborted ? p.signal.reason : new Error(m.error));
  return true;
}

/**
 * Queues a job. Its signal drops it while queued (rejecting with the signal's reason) or, once a
 * worker runs it, asks that worker to stop between texts.
 */
function submit(
  job: Pick<Pending, 'id' | 'job' | 'signal'>,
  queue: Pending[],
  slots: readonly Slot[],
  dispatch: () => void,
): Promise<DetectAnswer[]> {
  const { signal } = job;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<DetectAnswer[]>((resolve, reject) => {
    const p: Pending = { ...job, resolve, reject };
    p.onAbort = () => {
      const i = queue.indexOf(p);
      if (i >= 0) {
        queue.splice(i, 1); // never started: dropped
        reject(signal!.reason);
        return;
      }
      const slot = slots.find((s) => s.busy === p);
      slot?.worker.postMessage({ cancel: p.id } satisfies ToWorker); // stops between texts
    };
    signal?.addEventListener('abort', p.onAbort, { once: true });
    queue.push(p);
    dispatch();
  });
}

/** Starts the workers and waits until each has loaded the bundle (rejects if one cannot). */
export async function createDetectPool(opts: DetectPoolOptions): Promise<DetectPool> {
  const size = Math.max(1, opts.size ?? availableParallelism());
  const init: WorkerInit = { bundle: opts.bundle, backendModule: opts.backendModule, backendArg: opts.backendArg };
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(): Promise<Slot> {
    const worker = new Worker(ENTRY, { workerData: init });
    const slot: Slot = { worker };
    return new Promise<Slot>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromWorker) => {
        if ('ready' in m) {
          if (m.ready) {
            ready = true;
            resolve(slot);
          } else reject(new Error(`detection worker could not load the bundle: ${m.error}`));
          return;
        }
        if (settle(slot, m)) dispatch();
      });
      const died = (why: string) => {
        const p = slot.busy;
        slot.busy = undefined;
        p?.reject(new Error(`detection worker ${why}`));
        const i = slots.indexOf(slot);
        if (i >= 0) slots.splice(i, 1);
        if (!ready) reject(new Error(`detection worker ${why} while loading`));
        else if (!closed)
          spawn().then(
            (s) => {
              slots.push(s);
              dispatch();
            },
            () => {},
          );
      };
      worker.once('error', (e) => died(`failed: ${e.message}`));
      worker.once('exit', (code) => {
        if (slots.includes(slot) || !ready) died(`exited (${code})`);
      });
    });
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (slot.busy) continue;
      const p = queue.shift();
      if (!p) return;
      slot.busy = p;
      slot.worker.postMessage({ id: p.id, job: p.job } satisfies ToWorker);
    }
  }

  const started = await Promise.allSettled(Array.from({ length: size }, spawn));
  for (const s of started) if (s.status === 'fulfilled') slots.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    closed = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw (failed as PromiseRejectedResult).reason;
  }

  return {
    kind: `worker-pool(${size})`,
    size,
    queued: () => queue.length,
    detect(job, signal) {
      if (closed) return Promise.reject(new Error('the detection pool is closed'));
      return submit({ id: nextId++, job, signal }, queue, slots, dispatch);
    },
    async close() {
      closed = true;
      for (const p of queue.splice(0)) p.reject(new Error('the detection pool is closed'));
      await Promise.all(slots.splice(0).map((s) => s.worker.terminate()));
    },
  };
}
