// onnxruntime-node as the detector's InferenceBackend (servers and the trainer).
import * as ort from 'onnxruntime-node';
import type { DetectorSession, InferenceBackend } from '../../core/detector/backend.ts';
import { ortDetectorSession } from '../../core/detector/ort-session.ts';

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
      return ortDetectorSession(
        session,
        (data, dims) => new ort.Tensor('int64', data, dims),
        (t) => ({ dims: t.dims, data: t.data as Float32Array }),
      );
    },
  };
}
