// Cloudflare Workers entry (wrangler.toml `main`). wrangler's build step (`npm run pack:worker`)
// packs the bundle, models/default unless GLOSS_BUNDLE names another, as the module
// `gloss-bundle-files`; onnxruntime's wasm comes in precompiled. Nothing here runs at global scope
// beyond building the handler: the engine is created inside the first request.
import wasmModule from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import { bundleName, files, label, ui, version } from 'gloss-bundle-files';
import { createWorker } from './worker-app.ts';

export default createWorker({ files, label, ui, version, bundleName }, wasmModule);
