// Splits the TypeScript phases of an SAE step over worker threads sharing the StepState's
// memory (SharedArrayBuffers). The calling thread runs range 0 itself; the others are woken with
// Atomics.notify and counted back with Atomics.waitAsync, so worker failures surface as errors
// instead of a blocked thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SaeError } from './errors.ts';
import type { StepState } from './kernels.ts';
import { runPhaseRange, type Phase } from './phases.ts';

// The worker's file next to this one: step-worker.ts from source (tsx), step-worker.js once compiled
// (tsc rewrites import paths, not URLs).
const STEP_WORKER = new URL(import.meta.url.endsWith('.ts') ? './step-worker.ts' : './step-worker.js', import.meta.url);

export { PHASE_MSE_GRAD, PHASE_AUXK_GRAD, PHASE_BACKWARD, type Phase } from './phases.ts';

// Atomics.waitAsync (Node >= 16) is ES2024; the project's lib is ES2023.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
      timeout?: number,
    ): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** Threads for the TypeScript phases by default: the machine's cores, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Worker threads sharing one StepState (SharedArrayBuffers): each phase is split into ranges and run in
 * parallel, with partial sums reduced in range order (deterministic for a given thread count).
 */
export class StepPool {
  private readonly ctrl: Int32Array;
  private workers: Worker[] = [];
  private failure: string | undefined;

  private constructor(private readonly S: StepState) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(16));
  }

  /** A pool over S.ranges threads (S must live on SharedArrayBuffers). Throws if workers cannot start. */
  static async create(S: StepState): Promise<StepPool> {
    const pool = new StepPool(S);
    const started: Promise<void>[] = [];
    for (let w = 1; w < S.ranges; w++) {
      const worker = new Worker(STEP_WORKER, {
        workerData: { S, ctrl: pool.ctrl, w },
      });
      worker.unref();
      pool.workers.push(worker);
      started.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('worker did not start within 30 s')), 30_000);
          worker.once('message', () => (clearTimeout(timer), resolve()));
          worker.once('error', (e) => (clearTimeout(timer), reject(e)));
        }),
      );
      worker.on('message', (msg: { error?: string }) => {
        if (msg.error) pool.failure = msg.error;
      });
      worker.on('error', (e) => {
        pool.failure = e.stack ?? String(e);
        Atomics.store(pool.ctrl, 3, 1);
        Atomics.notify(pool.ctrl, 2);
      });
      worker.on('exit', (code) => {
        if (Atomics.load(pool.ctrl, 1) !== 9) {
          pool.failure ??= `worker exited with code ${code}`;
          Atomics.store(pool.ctrl, 3, 1);
          Atomics.notify(pool.ctrl, 2);
        }
      });
    }
    try {
      await Promise.all(started);
    } catch (e) {
      await pool.release();
      throw e;
    }
    return pool;
  }

  async run(phase: Phase): Promise<void> {
    const ctrl = this.ctrl;
    const others = this.workers.length;
    Atomics.store(ctrl, 2, 0);
    Atomics.store(ctrl, 1, phase);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    runPhaseRange(this.S, phase, 0);
    for (;;) {
      const done = Atomics.load(ctrl, 2);
      if (Atomics.load(ctrl, 3) !== 0) break;
      if (done >= others) break;
      const r = waitAsync(ctrl, 2, done, 5000);
      if (r.async) await r.value;
    }
    if (Atomics.load(ctrl, 3) !== 0) {
      // The worker posts its error before raising the flag; let the message arrive.
      for (let i = 0; i < 50 && !this.failure; i++) await new Promise((res) => setTimeout(res, 1));
      throw new SaeError(`SAE step worker failed: ${this.failure ?? 'unknown error'}`);
    }
  }

  async release(): Promise<void> {
    Atomics.store(this.ctrl, 1, 9);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}

/** Runs a phase on the calling thread alone (ranges = 1). */
export function runSerial(S: StepState, phase: Phase): void {
  for (let w = 0; w < S.ranges; w++) runPhaseRange(S, phase, w);
}
