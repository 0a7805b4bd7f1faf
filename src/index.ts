// The package's main entry (`@gloss-lens/gloss`): runtime-agnostic, Web-standard APIs only, so it
// imports in Node, Workers and bundlers alike. Engines come from `@gloss-lens/gloss/node` (a bundle
// folder on onnxruntime-node) or `@gloss-lens/gloss/worker/app` (packed modules on onnxruntime-web).
export {
  gloss,
  type GlossOptions,
  type GlossReport,
  type GlossStatus,
  type GlossVariables,
} from './core/middleware.ts';
export { createApp, type AppDeps, type AppLimits } from './core/app.ts';
export { GlossEngine, type Analysis, type EngineOptions, type RewriteOutcome } from './core/engine/engine.ts';
export { loadBundle, type LoadedBundle } from './core/bundle/load.ts';
export type { BundleSource, LoadedFile } from './core/bundle/source.ts';
export { BundleError, type Manifest } from './core/bundle/manifest.ts';
export type { DetectorSession, InferenceBackend } from './core/detector/backend.ts';
export { jsonLogger, silentLogger, type Logger } from './core/http/logger.ts';
export { ConfigError, parseProxyConfig, type ProxyConfig } from './core/proxy/config.ts';
export type { Rule, RulesFile, FeatureInfo, FeaturesFile } from './core/rules/schema.ts';
