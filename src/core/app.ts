// The Gloss HTTP app (Hono, Web-standard Request/Response only, so Node, workerd and browsers all
// run it): rewrite prompts or chat messages, explain per-token activations, describe the bundle.
//
//   GET  /             what the server is: name, version, bundle, routes, the explorer's path
//   POST /v1/rewrite   { prompt } | { messages }, scan, maxGlosses, dryRun (or in options)
//   POST /v1/explain   { prompt }: tokens x features activations, for the explorer
//   GET  /v1/bundle    manifest, rules, features (labels, top contexts), card
//   GET  /healthz      { ok, bundle, backend, ready }
//   GET  /metrics      Prometheus text format (src/core/metrics/metrics.ts)
//   POST /v1/chat/completions, /v1/responses, /v1/messages
//                      the LLM proxy (when `proxy` is configured): the request's texts glossed,
//                      then forwarded to an allow-listed upstream, the answer streamed back
//                      (src/core/proxy/handler.ts)
//   *    /v1/...       any other method and path: passed through to the upstream, unglossed
//
// With an injected upstream key, every proxy route needs Gloss's token (`Authorization: Bearer`,
// Hono's bearerAuth), which the injected key replaces upstream; CORS is answered for the
// configured origins only.
//
// Every error is JSON `{ error: { type, message } }` (on proxy routes, in the shape of the API the
// client speaks); prompt text is never logged unless the operator opts in, keys never.
//
// createApp only wires: each route lives in src/core/routes/ (meta.ts, rewrite.ts, explain.ts,
// bundle.ts; the proxy's in proxy/routes.ts), the middleware in routes/guards.ts.
import { Hono } from 'hono';
import type { GlossEngine } from './engine/engine.ts';
import { DEFAULT_MAX_BODY_BYTES } from './http/body.ts';
import type { ErrorType } from './http/errors.ts';
import { lazyEngine } from './engine/lazy-engine.ts';
import { silentLogger, type Logger } from './http/logger.ts';
import { DEFAULT_MAX_PROMPT_CHARS } from './http/schemas.ts';
import { FORMATS } from './formats/index.ts';
import { resolveProxyConfig, type ProxyConfig } from './proxy/config.ts';
import { inThreadDetect } from './gloss/detect.ts';
import { glossMetrics, type GlossMetrics } from './metrics/metrics.ts';
import { bundleRoute } from './routes/bundle.ts';
import { explainRoute } from './routes/explain.ts';
import { corsFor, errorAnswers, ownBearerAuth, ownPath, requestLog } from './routes/guards.ts';
import { aboutRoute, healthRoute, metricsRoute } from './routes/meta.ts';
import { openApiRoute } from './routes/openapi.ts';
import { proxyRoutes, type ProxyRuntime } from './proxy/routes.ts';
import { rewriteRoute } from './routes/rewrite.ts';
import { engineOr503, type RouteContext } from './routes/shared.ts';
import { uiRoutes, type UiRoutesOptions } from '../ui/routes.ts';

/** Request limits of Gloss's own endpoints (/v1/rewrite, /v1/explain); the proxy has its own in ProxyConfig. */
export interface AppLimits {
  /** Largest request body in bytes (default 1 MB); checked from content-length and while reading. */
  maxBodyBytes?: number;
  /** Most characters of prompt text in one request (default 100,000). */
  maxPromptChars?: number;
}

/** What {@link createApp} is built from: the engine factory (required) and optional policies and runtime parts. */
export interface AppDeps {
  /** Creates the engine; called on the first request that needs it (never at start-up), then reused. */
  engine: () => Promise<GlossEngine>;
  /** An engine already created (Node's server loads the bundle before it listens): the app is ready from its first answer. */
  loaded?: GlossEngine;
  limits?: AppLimits;
  /** When bearerToken is set, /v1/* need `Authorization: Bearer <token>`; /healthz stays open. */
  auth?: { bearerToken?: string };
  logger?: Logger;
  /** Extra runtime figures for /healthz (e.g. the Worker's wasm memory). */
  runtimeInfo?: () => Record<string, string | number | boolean | null | undefined>;
  /**
   * The LLM proxy's configuration (upstreams, policies); without it the proxy routes answer 404.
   * Validated here: a bad base URL or name throws ConfigError.
   */
  proxy?: ProxyConfig;
  /**
   * How the proxy reaches upstreams, caches glosses and runs detection (defaults: global fetch,
   * in-memory LRU, detection on the calling thread; Node's server passes a worker-thread pool).
   */
  proxyRuntime?: ProxyRuntime;
  /** Metrics registry to fill (default: a new one, served at /metrics). */
  metrics?: GlossMetrics;
  /** The explorer page at /ui and the bundle's files at /v1/bundle/files (Node serves it). */
  ui?: UiRoutesOptions;
  /**
   * What `GET /` reports about the server: the package version (Node reads package.json) and the
   * bundle's name where it is known before the engine loads (Node loads it at start-up).
   */
  about?: { version?: string; bundle?: string };
}

/**
 * The whole Gloss HTTP app (routes listed at the top of this file) as a Hono app; mount it, serve
 * it with @hono/node-server, or export it as a Worker's fetch. The engine is created on the first
 * request that needs it. Every error is JSON `{ error: { type, message } }` (proxy routes: in the
 * upstream API's own error shape).
 * @throws ConfigError at creation for an invalid `proxy` configuration (a bad base URL or name, an
 *   injected upstream key without a bearer token and without `allowOpenProxy`).
 * @example
 * ```ts
 * import { createApp } from '@gloss-lens/gloss';
 * import { sharedEngine } from '@gloss-lens/gloss/node';
 * const app = createApp({ engine: () => sharedEngine() }); // app.fetch: a Web-standard handler
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const log = deps.logger ?? silentLogger;
  const engines = lazyEngine(deps.engine, deps.loaded);
  const ctx: RouteContext = {
    engines,
    engine: engineOr503(engines, log),
    log,
    maxBodyBytes: deps.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxPromptChars: deps.limits?.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS,
  };
  const metrics = deps.metrics ?? glossMetrics();
  const proxyConfig = deps.proxy ? resolveProxyConfig(deps.proxy) : undefined;
  const proxyPaths = proxyConfig ? FORMATS.map((f) => f.route) : [];
  const knownRoutes = new Set([
    '/',
    '/healthz',
    '/openapi.json',
    '/metrics',
    '/v1/rewrite',
    '/v1/explain',
    '/v1/bundle',
    ...proxyPaths,
  ]);
  const own = (path: string) => ownPath(path, Boolean(proxyConfig));

  const app = new Hono();
  // Middleware first, in this order: errors, the request's log line, CORS, Gloss's own token.
  errorAnswers(app, log);
  const { note } = requestLog(app, log, metrics, knownRoutes);
  if (proxyConfig) corsFor(app, proxyConfig.corsOrigins);
  if (deps.auth?.bearerToken) ownBearerAuth(app, deps.auth.bearerToken, own);

  aboutRoute(app, ctx, { about: deps.about, ui: Boolean(deps.ui), proxy: Boolean(proxyConfig) });
  healthRoute(app, ctx, deps.runtimeInfo);
  openApiRoute(app, ctx, { version: deps.about?.version, bearer: Boolean(deps.auth?.bearerToken) });
  // /v1/rewrite detects where the proxy does (Node: the worker pool), off the request thread.
  rewriteRoute(app, ctx, deps.proxyRuntime?.detect ?? inThreadDetect(engines));
  explainRoute(app, ctx);
  bundleRoute(app, ctx);
  metricsRoute(app, metrics);
  // The explorer (src/ui): after the API routes, behind the same bearer token as /v1.
  if (deps.ui) app.route('/', uiRoutes(deps.ui));
  // The proxy last: its /v1/* catches every other /v1 path.
  if (proxyConfig)
    proxyRoutes(app, ctx, {
      config: proxyConfig,
      metrics,
      runtime: deps.proxyRuntime,
      bearerToken: deps.auth?.bearerToken,
      own,
      note,
    });
  return app;
}

/** Re-exported so embedders can pass their own logger to createApp. */
export type { Logger } from './http/logger.ts';
export { jsonLogger, silentLogger } from './http/logger.ts';
/** Re-exported: the `error.type` values of the app's JSON error bodies. */
export type { ErrorType };
