// The app's routes about the server itself: `GET /` (what it is), `GET /healthz` (readiness) and
// `GET /metrics` (Prometheus text format). None of them loads the engine.
import { FORMATS } from '../formats/index.ts';
import { METRICS_CONTENT_TYPE, type GlossMetrics } from '../metrics/metrics.ts';
import { methodNotAllowed, type App, type RouteContext } from './shared.ts';

/**
 * Where the docs are: the README that ships in the package and in every checkout (the package is not
 * published to npm yet and the repository has no public URL to link, so no link is invented here).
 */
export const REPOSITORY_README =
  'README.md of the package (node_modules/@gloss-lens/gloss/README.md) or of its checkout';

/** What `GET /` reports beyond the engine: see {@link aboutRoute}. */
export interface AboutOptions {
  /** The package version and the bundle's name where known before the engine loads. */
  about?: { version?: string; bundle?: string };
  /** The explorer is served at /ui/. */
  ui: boolean;
  /** The LLM proxy routes are served. */
  proxy: boolean;
}

/** Registers `GET /`: name, version, bundle, routes and the explorer's path; no engine load, no secrets. */
export function aboutRoute(app: App, ctx: RouteContext, opts: AboutOptions): void {
  app.get('/', (c) => {
    const e = ctx.engines.current();
    return c.json({
      name: '@gloss-lens/gloss',
      version: opts.about?.version ?? null,
      description: 'Glosses LLM prompts where a sparse-autoencoder lens predicts a misreading',
      bundle: e?.bundle.manifest.name ?? opts.about?.bundle ?? null,
      explorer: opts.ui ? '/ui/' : null,
      routes: {
        'POST /v1/rewrite': 'gloss { prompt } or { messages }',
        'POST /v1/explain': "per-token activations of the bundle's features",
        'GET /v1/bundle': 'manifest, rules, features, card',
        'GET /healthz': 'readiness',
        'GET /openapi.json': 'OpenAPI 3.1 description of these routes',
        'GET /metrics': 'Prometheus text format',
        ...(opts.ui ? { 'GET /ui/': 'the explorer' } : {}),
        ...(opts.proxy
          ? Object.fromEntries(FORMATS.map((f) => [`POST ${f.route}`, 'LLM proxy: glossed, then forwarded upstream']))
          : {}),
        ...(opts.proxy ? { '* /v1/...': 'LLM proxy: passed through unglossed' } : {}),
      },
      docs: REPOSITORY_README,
    });
  });
  app.all('/', methodNotAllowed('GET, HEAD'));
}

/**
 * Registers `GET /healthz`: `{ ok, bundle, backend, ready, runtime? }`, 200; 503 with `error` once
 * the engine failed to load (and none is loaded).
 */
export function healthRoute(
  app: App,
  ctx: RouteContext,
  runtimeInfo?: () => Record<string, string | number | boolean | null | undefined>,
): void {
  app.get('/healthz', (c) => {
    const e = ctx.engines.current();
    const failed = !e && ctx.engines.lastError() !== undefined;
    // Not ready yet (a Worker loads its bundle on first use): start loading, answer 503 meanwhile.
    if (!e) ctx.engines.get().catch(() => {});
    return c.json(
      {
        ok: !failed,
        bundle: e?.bundle.manifest.name ?? null,
        backend: e?.backend ?? null,
        ready: Boolean(e),
        ...(runtimeInfo ? { runtime: runtimeInfo() } : {}),
        ...(failed ? { error: 'the detector engine could not be loaded; see the server log' } : {}),
      },
      e ? 200 : 503,
    );
  });
  app.all('/healthz', methodNotAllowed('GET, HEAD'));
}

/** Registers `GET /metrics`: the registry in Prometheus text format (src/core/metrics/metrics.ts). */
export function metricsRoute(app: App, metrics: GlossMetrics): void {
  app.get('/metrics', (c) => c.body(metrics.registry.render(), 200, { 'content-type': METRICS_CONTENT_TYPE }));
  app.all('/metrics', methodNotAllowed('GET, HEAD'));
}
