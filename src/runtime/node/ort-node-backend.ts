// onnxruntime-node as the detector's InferenceBackend (servers and the trainer).
import * as ort from 'onnxruntime-node';
import type { DetectorSession, InferenceBackend, OutputTensor } from '../../core/detector/backend.ts';

/** onnxruntime-node session options (default: the CPU execution provider, onnxruntime's own thread count). */
export interface OrtNodeOptions {
  intraOpNumThreads?: number;
  executionProviders?: string[];
}

/** The detector's InferenceBackend on onnxruntime-node (servers, the trainer, the detection worker threads). */
export function ortNodeBackend(opts: OrtNodeOptions = {}): InferenceBackend {
  return {
    name: 'onnxruntime-node',
    async createSession(model: Uint8Array): Promise<DetectorSession> {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: opts.executionProviders ?? ['cpu'],
        ...(opts.intraOpNumThreads ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
      });
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        async run(inputIds, outputs) {
          const feed = {
            input_ids: new ort.Tensor(
              'int64',
              BigInt64Array.from(inputIds, (v) => BigInt(v)),
              [1, inputIds.length],
            ),
          };
          const res = await session.run(feed, outputs as string[]);
          const out: Record<string, OutputTensor> = {};
          for (const name of outputs) out[name] = { dims: res[name].dims, data: res[name].data as Float32Array };
          return out;
        },
        release: () => session.release(),
      };
    },
  };
}
