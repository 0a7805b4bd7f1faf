// `@gloss-lens/gloss/node`: Gloss on Node. The gloss() middleware with bundles from disk (one
// shared engine per bundle), onnxruntime-node, the HTTP server, and the embedded default bundle.
export { defaultBundleDir } from './embedded.ts';
export { loadEngine, startServer, type RunningServer, type ServerOptions } from './server.ts';
export { folderSource } from './fs-source.ts';
export { ortNodeBackend, type OrtNodeOptions } from './ort-node-backend.ts';
export { nodeUiAssets, type NodeUiAssetOptions } from '../../ui/node-assets.ts';
export { gloss, sharedEngine } from './gloss.ts';
export type { GlossOptions, GlossReport, GlossStatus, GlossVariables } from '../../core/middleware.ts';
