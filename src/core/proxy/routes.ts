// The LLM proxy's routes (src/core/proxy/handler.ts does the work): one glossing route per API
// format, 405 for other methods on them, and every other /v1 path passed through unglossed.
import type { Context } from 'hono';
import type { LogFields } from '../http/logger.ts';
import { FORMATS } from '../formats/index.ts';
import type { DetectionCache, HashFn } from '../gloss/cache.ts';
import type { ResolvedProxyConfig } from './config.ts';
import type { DetectService } from '../gloss/detect.ts';
import type { FetchFn } from './forward.ts';
import type { BodyReader } from './body-read.ts';
import { createProxy } from './handler.ts';
import type { GlossMetrics } from '../metrics/metrics.ts';
import { proxyAuth } from './auth.ts';
import { methodNotAllowed, type App, type RouteContext } from '../routes/shared.ts';

/**
 * How the proxy reaches upstreams, caches glosses and runs detection (defaults: global fetch,
 * in-memory LRU, detection on the calling thread; Node's server passes a worker-thread pool).
 */
export interface ProxyRuntime {
  fetch?: FetchFn;
  cache?: DetectionCache;
  hash?: HashFn;
  detect?: DetectService;
  /** Where large request bodies are read (Node: a worker pool; default: in the request's thread). */
  reader?: BodyReader;
}

/** What {@link proxyRoutes} needs beyond the shared route context. */
export interface ProxyRouteOptions {
  config: ResolvedProxyConfig;
  metrics: GlossMetrics;
  runtime?: ProxyRuntime;
  /** Gloss's bearer token, if one is set. */
  bearerToken?: string;
  /** Whether a path is one of Gloss's own endpoints (not the proxy's), see guards.ts ownPath. */
  own: (path: string) => boolean;
  /** Merges fields into the request's log line. */
  note: (c: Context) => (fields: LogFields) => void;
}

/**
 * Registers the proxy: Gloss's token check on proxy paths where {@link proxyAuth} asks for one,
 * `POST` on each format's route (glossed, then forwarded), 405 for other methods there, and any
 * other method and path under /v1 passed through. Register last: `/v1/*` catches the rest.
 * @throws ConfigError from proxyAuth (an injected key without a token, a malformed token).
 */
export function proxyRoutes(app: App, ctx: RouteContext, o: ProxyRouteOptions): void {
  const proxy = createProxy({
    config: o.config,
    engines: ctx.engines,
    metrics: o.metrics,
    logger: ctx.log,
    fetch: o.runtime?.fetch,
    cache: o.runtime?.cache,
    hash: o.runtime?.hash,
    detect: o.runtime?.detect,
    reader: o.runtime?.reader,
    tokenInAuthorization: o.config.injectsKeys && Boolean(o.bearerToken),
  });
  const auth = proxyAuth(o.config, o.bearerToken);
  if (auth) app.use('/v1/*', async (c, next) => (o.own(c.req.path) ? next() : auth(c, next)));
  // The one route table: a glossed route in any case, with trailing slashes, is that route (so
  // nothing that looks like one is passed through unglossed); every other /v1 path passes through.
  const glossed = new Map(FORMATS.map((f) => [f.route, f]));
  const notPost = methodNotAllowed('POST');
  app.all('/v1/*', (c) => {
    const f = glossed.get(c.req.path.toLowerCase().replace(/\/+$/, ''));
    if (!f) return proxy.passthrough(c.req.raw, o.note(c));
    return c.req.method === 'POST' ? proxy.glossing(c.req.raw, f, o.note(c)) : notPost(c);
  });
}
