// onnxruntime-web (WASM) in Node, the way the edge runs it: one thread, the wasm provider.
// In Node, `onnxruntime-web` resolves to its Node build (dist/ort.node.min.mjs), which finds
// ort-wasm-simd-threaded.{mjs,wasm} beside itself; we point wasmPaths at that folder explicitly so
// that module transforms (vitest, bundlers) that move import.meta.url cannot break the lookup.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';

let configured = false;

/** The onnxruntime-web module, configured for Node: one thread, no proxy worker, local wasm files. */
export function ortWeb(): typeof ort {
  if (!configured) {
    const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
    ort.env.wasm.numThreads = 1; // Workers run one thread; threads in Node would need worker files too
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = pathToFileURL(dist + '/').href;
    configured = true;
  }
  return ort;
}

/** An inference session on the WASM execution provider. */
export async function createWebSession(model: Uint8Array): Promise<ort.InferenceSession> {
  return ortWeb().InferenceSession.create(model, { executionProviders: ['wasm'] });
}
