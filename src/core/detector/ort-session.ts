// The DetectorSession both onnxruntime backends (node and web) build around an InferenceSession.
// Typed structurally so core never imports onnxruntime: each backend hands in its own Tensor
// constructor and how to read an output tensor's data.
import type { DetectorSession, OutputTensor } from './backend.ts';

/** The part of an onnxruntime InferenceSession (onnxruntime-node or onnxruntime-web) used here. */
export interface OrtSessionLike<T> {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feed: Record<string, unknown>, fetches: string[]): Promise<Record<string, T>>;
  release(): Promise<void>;
}

/**
 * A DetectorSession on `session`: `run` feeds `input_ids` as an int64 tensor of dims [1, T] made
 * by `int64Tensor`, fetches `outputs` and reads each with `read` (float32 data and its dims).
 */
export function ortDetectorSession<T>(
  session: OrtSessionLike<T>,
  int64Tensor: (data: BigInt64Array, dims: number[]) => unknown,
  read: (tensor: T) => Promise<OutputTensor> | OutputTensor,
): DetectorSession {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(inputIds, outputs) {
      const feed = {
        input_ids: int64Tensor(
          BigInt64Array.from(inputIds, (v) => BigInt(v)),
          [1, inputIds.length],
        ),
      };
      const res = await session.run(feed, outputs as string[]);
      const out: Record<string, OutputTensor> = {};
      for (const name of outputs) out[name] = await read(res[name]);
      return out;
    },
    release: () => session.release(),
  };
}
