// A worker thread of the SAE step pool: waits for a phase on the shared control block, runs its
// range of it over the shared StepState, and counts itself done. Loaded with Node's built-in type
// stripping, so this file and kernels.ts use erasable TypeScript only.
import { parentPort, workerData } from 'node:worker_threads';
import type { StepState } from './kernels.ts';
import { runPhaseRange, type Phase } from './phases.ts';

const S = workerData.S as StepState;
const ctrl = workerData.ctrl as Int32Array;
const w = workerData.w as number;

// ctrl: [0] generation, [1] phase (PHASE_* of phases.ts, 9 exit), [2] ranges done, [3] error flag
let gen = 0;
parentPort!.postMessage({ ready: true });
for (;;) {
  Atomics.wait(ctrl, 0, gen);
  gen = Atomics.load(ctrl, 0);
  const phase = Atomics.load(ctrl, 1);
  if (phase === 9) break;
  try {
    runPhaseRange(S, phase as Phase, w);
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
    Atomics.store(ctrl, 3, 1);
  }
  Atomics.add(ctrl, 2, 1);
  Atomics.notify(ctrl, 2);
}
