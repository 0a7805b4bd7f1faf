// onnxruntime-web as the detector's InferenceBackend. The caller passes the onnxruntime-web module
// it loaded (`onnxruntime-web/wasm` in workerd, `onnxruntime-web/webgpu` or `/all` in browsers,
// `onnxruntime-web` in Node), so this file never decides which bundle gets pulled in.
import type * as OrtWeb from 'onnxruntime-web';
import type { DetectorSession, InferenceBackend } from '../../core/detector/backend.ts';
import { ortDetectorSession } from '../../core/detector/ort-session.ts';

type OrtModule = Pick<typeof OrtWeb, 'InferenceSession' | 'Tensor'>;

/** An InferenceBackend on an onnxruntime-web module (WASM or WebGPU), shared by workerd, browsers and Node tests. */
export function ortWebBackend(ort: OrtModule, executionProviders: ('wasm' | 'webgpu')[] = ['wasm']): InferenceBackend {
  return {
    name: `onnxruntime-web/${executionProviders[0]}`,
    async createSession(model: Uint8Array): Promise<DetectorSession> {
      const session = await ort.InferenceSession.create(model, { executionProviders });
      return ortDetectorSession(
        session,
        (data, dims) => new ort.Tensor('int64', data, dims),
        // WebGPU outputs may live on the GPU; getData() downloads them.
        async (t) => ({
          dims: t.dims,
          data: (t.location === 'gpu-buffer' ? await t.getData(true) : t.data) as Float32Array,
        }),
      );
    },
  };
}
