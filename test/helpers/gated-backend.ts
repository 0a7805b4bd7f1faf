// A detector slowed on purpose, for tests about isolation and budgets: onnxruntime-node, except
// that a run on a long input (at least `minTokens` ids) blocks its thread synchronously, as a long
// inference does, until the test opens the gate. Loaded inside detection worker threads through
// `detectBackend.backendModule`; the gate is a SharedArrayBuffer both threads see:
//   [0] gate: 0 closed, 1 open       [1] long runs that reached the gate so far
import type { InferenceBackend } from '../../src/core/detector/backend.ts';
import { ortNodeBackend } from '../../src/runtime/node/ort-node-backend.ts';

export interface GateArg {
  sab: SharedArrayBuffer;
  minTokens: number;
}

export default function gatedBackend(arg: GateArg): InferenceBackend {
  const inner = ortNodeBackend({ intraOpNumThreads: 1 });
  const cells = new Int32Array(arg.sab);
  return {
    name: 'onnxruntime-node (gated)',
    async createSession(model) {
      const s = await inner.createSession(model);
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        release: () => s.release(),
        run(ids, outputs) {
          if (ids.length >= arg.minTokens) {
            Atomics.add(cells, 1, 1);
            Atomics.notify(cells, 1);
            while (Atomics.load(cells, 0) === 0) Atomics.wait(cells, 0, 0); // blocks this thread
          }
          return s.run(ids, outputs);
        },
      };
    },
  };
}

/** The test's side of the gate. */
export function gate(minTokens: number) {
  const sab = new SharedArrayBuffer(8);
  const cells = new Int32Array(sab);
  return {
    arg: { sab, minTokens } satisfies GateArg,
    /** Resolves once `n` long runs have reached the gate (and are blocked there). */
    async reached(n = 1): Promise<void> {
      for (;;) {
        const v = Atomics.load(cells, 1);
        if (v >= n) return;
        await (
          Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { value: Promise<string> | string } }
        ).waitAsync(cells, 1, v).value;
      }
    },
    open(): void {
      Atomics.store(cells, 0, 1);
      Atomics.notify(cells, 0);
    },
  };
}
