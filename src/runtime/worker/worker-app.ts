// The Gloss app as a Cloudflare Worker: the bundle arrives as modules, onnxruntime-web runs on
// WASM (one thread), and the engine is created inside the first request (workerd forbids I/O and
// random values in global scope), then reused by every later request of the isolate.
import { createApp } from '../../core/app.ts';
import { loadBundle } from '../../core/bundle/load.ts';
import type { DetectorSession, InferenceBackend } from '../../core/detector/backend.ts';
import { GlossEngine } from '../../core/engine.ts';
import { jsonLogger, silentLogger } from '../../core/http/logger.ts';
import { ortWebBackend } from '../web/ort-web-backend.ts';
import { memorySource, type FileBytes } from './memory-source.ts';
import { configureOrtForWorkerd, ortWasmMemoryBytes } from './ort-workerd.ts';

export interface WorkerEnv {
  /** When set, /v1/* need `Authorization: Bearer <token>`. */
  GLOSS_BEARER_TOKEN?: string;
  /** "off" silences the request log. */
  GLOSS_LOG?: string;
}

interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response>;
}

/** One inference at a time per session: the isolate is single-threaded and onnxruntime's wasm heap is shared. */
export function serialized(backend: InferenceBackend): InferenceBackend {
  return {
    name: backend.name,
    async createSession(model: Uint8Array): Promise<DetectorSession> {
      const s = await backend.createSession(model);
      let tail: Promise<unknown> = Promise.resolve();
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        run(ids, outputs) {
          const r = tail.then(() => s.run(ids, outputs));
          tail = r.catch(() => {});
          return r;
        },
        release: () => s.release(),
      };
    },
  };
}

export function createWorker(bundle: { files: Record<string, FileBytes>; label: string }, wasmModule: WebAssembly.Module): WorkerHandler {
  let app: ReturnType<typeof createApp> | undefined;
  return {
    fetch(request, env, ctx) {
      app ??= createApp({
        engine: async () => {
          const ort = configureOrtForWorkerd(wasmModule);
          const loaded = await loadBundle(memorySource(bundle.files, bundle.label));
          return GlossEngine.create(loaded, serialized(ortWebBackend(ort, ['wasm'])));
        },
        auth: { bearerToken: env?.GLOSS_BEARER_TOKEN || undefined },
        logger: env?.GLOSS_LOG === 'off' ? silentLogger : jsonLogger((l) => console.log(l)),
        runtimeInfo: () => ({ ortWasmMemoryBytes: ortWasmMemoryBytes() ?? null }),
      });
      return Promise.resolve(app.fetch(request, env as object, ctx as never));
    },
  };
}
