// onnxruntime-web (WASM) inside workerd. Workers may not compile WebAssembly from bytes, so the
// .wasm arrives precompiled as a module import (wrangler's CompiledWasm rule); onnxruntime gets a
// placeholder wasmBinary, and its one WebAssembly.instantiate call is routed to that module.
import * as ort from 'onnxruntime-web/wasm';

const PLACEHOLDER = new Uint8Array([0x00, 0x61, 0x73, 0x6d]); // "\0asm": never compiled

let configured = false;
let ortMemories: WebAssembly.Memory[] = [];

/** Bytes of onnxruntime's wasm linear memory (exported or imported; it only grows, so also its peak). */
export function ortWasmMemoryBytes(): number | undefined {
  const bytes = ortMemories.reduce((a, m) => a + m.buffer.byteLength, 0);
  return bytes || undefined;
}

/** onnxruntime-web set up for workerd: the given compiled wasm module, one thread, no proxy worker (workerd cannot spawn threads or compile wasm at run time). */
export function configureOrtForWorkerd(wasmModule: WebAssembly.Module): typeof ort {
  if (configured) return ort;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
  (WebAssembly as { instantiate: unknown }).instantiate = async (source: unknown, imports?: WebAssembly.Imports) => {
    if (isPlaceholder(source)) {
      const instance = await WebAssembly.instantiate(wasmModule, imports);
      ortMemories = [
        ...Object.values(instance.exports),
        ...Object.values(imports ?? {}).flatMap((m) => Object.values(m as object)),
      ].filter((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory);
      return { instance, module: wasmModule };
    }
    return instantiate(source, imports);
  };
  ort.env.wasm.wasmBinary = PLACEHOLDER;
  ort.env.wasm.numThreads = 1; // no threads in Workers
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  configured = true;
  return ort;
}

function isPlaceholder(source: unknown): boolean {
  const bytes =
    source instanceof ArrayBuffer
      ? new Uint8Array(source)
      : ArrayBuffer.isView(source)
        ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
        : undefined;
  return (
    bytes !== undefined && bytes.byteLength === PLACEHOLDER.byteLength && bytes.every((b, i) => b === PLACEHOLDER[i])
  );
}

export type { ort };
