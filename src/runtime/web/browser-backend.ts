// The detector in a browser: WebGPU when navigator.gpu hands out an adapter, WASM otherwise (or
// when a WebGPU session cannot be created). The backend's name says which one actually ran.
import type { DetectorSession, InferenceBackend } from '../../core/detector/backend.ts';
import { ortWebBackend } from './ort-web-backend.ts';

/** onnxruntime-web execution providers the browser backend tries. */
export type BrowserProvider = 'webgpu' | 'wasm';

/** Options of the browser's onnxruntime-web backend. */
export interface BrowserBackendOptions {
  /** Force one provider (default: WebGPU when available). */
  prefer?: BrowserProvider;
  /** Where onnxruntime-web fetches its .wasm/.mjs files (default: next to its own module). */
  wasmPaths?: string;
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** True when this page can run WebGPU: navigator.gpu exists and gives an adapter. */
export async function hasWebGpu(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

async function wasmBackend(wasmPaths?: string): Promise<InferenceBackend> {
  const ort = await import('onnxruntime-web/wasm');
  if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
  return ortWebBackend(ort, ['wasm']);
}

/**
 * A backend whose `name` reports the provider in use: "onnxruntime-web/webgpu" or
 * "onnxruntime-web/wasm" (after a WebGPU session failed, it falls back to WASM and says so).
 */
export async function browserBackend(
  opts: BrowserBackendOptions = {},
): Promise<InferenceBackend & { readonly provider: BrowserProvider }> {
  let provider: BrowserProvider = opts.prefer === 'wasm' ? 'wasm' : (await hasWebGpu()) ? 'webgpu' : 'wasm';
  let inner: InferenceBackend;
  if (provider === 'webgpu') {
    const ort = await import('onnxruntime-web/webgpu');
    if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
    inner = ortWebBackend(ort, ['webgpu']);
  } else {
    inner = await wasmBackend(opts.wasmPaths);
  }
  return {
    get name() {
      return inner.name;
    },
    get provider() {
      return provider;
    },
    async createSession(model: Uint8Array): Promise<DetectorSession> {
      try {
        return await inner.createSession(model);
      } catch (e) {
        if (provider !== 'webgpu') throw e;
        // Some graphs or drivers fail on WebGPU; WASM runs everything.
        provider = 'wasm';
        inner = await wasmBackend(opts.wasmPaths);
        return inner.createSession(model);
      }
    },
  };
}
