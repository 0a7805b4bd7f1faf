// Module imports that wrangler (and the test build) turn into Worker modules.

// onnxruntime's wasm as a CompiledWasm module: workerd may not compile WebAssembly from bytes.
declare module 'onnxruntime-web/ort-wasm-simd-threaded.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

// The bundle packed by `npm run pack:worker` (wrangler.toml's [alias]; tests alias their own):
// each file's bytes as a Data module.
declare module 'gloss-bundle-files' {
  export const label: string;
  /** The package version the bundle was packed with, and the bundle's manifest name (`GET /`). */
  export const version: string;
  export const bundleName: string;
  export const files: Record<string, ArrayBuffer | Uint8Array | string>;
  /** The explorer page's assets (index.html, app.js, chunks, style.css). */
  export const ui: Record<string, ArrayBuffer | Uint8Array | string> | undefined;
}
