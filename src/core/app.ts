// The Gloss HTTP app (Hono, Web-standard Request/Response only, so Node, workerd and browsers all
// run it): rewrite prompts or chat messages, explain per-token activations, describe the bundle.
//
//   GET  /             what the server is: name, version, bundle, routes, the explorer's path
//   POST /v1/rewrite   { prompt } | { messages }, scan, maxGlosses, dryRun (or in options)
//   POST /v1/explain   { prompt }: tokens x features activations, for the explorer
//   GET  /v1/bundle    manifest, rules, features (labels, top contexts), card
//   GET  /healthz      { ok, bundle, backend, ready }
//   GET  /metrics      Prometheus text format (src/core/proxy/metrics.ts)
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
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { GlossEngine } from './engine.ts';
import { DEFAULT_MAX_BODY_BYTES, readJsonRequest } from './http/body.ts';
import { describeError, errorBody, HttpError, type ErrorType } from './http/errors.ts';
import {
  firedReport,
  headerStatus,
  round,
  roundTiming,
  ruleIds,
  type FiredReport,
  type InsertedReport,
} from './http/gloss-run.ts';
import { lazyEngine } from './http/lazy-engine.ts';
import { silentLogger, type Logger } from './http/logger.ts';
import {
  DEFAULT_MAX_PROMPT_CHARS,
  explainRequestSchema,
  parseRequest,
  rewriteOptions,
  rewriteRequestSchema,
} from './http/schemas.ts';
import { glossMode } from './http/mode.ts';
import type { ChatMessage } from './rewrite/messages.ts';
import { FORMATS } from './formats/index.ts';
import type { LogFields } from './http/logger.ts';
import type { DetectionCache, HashFn } from './proxy/cache.ts';
import { ConfigError, resolveProxyConfig, type ProxyConfig, type ResolvedProxyConfig } from './proxy/config.ts';
import { inThreadDetect, type DetectService } from './proxy/detect.ts';
import { sha256Text } from './proxy/cache.ts';
import { glossPass, type PassUnit } from './proxy/pass.ts';
import type { FetchFn } from './proxy/forward.ts';
import { apiError, createProxy, familyOf } from './proxy/handler.ts';
import { glossMetrics, METRICS_CONTENT_TYPE, type GlossMetrics } from './proxy/metrics.ts';
import { sameSecret } from './proxy/secret.ts';
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
  proxyRuntime?: { fetch?: FetchFn; cache?: DetectionCache; hash?: HashFn; detect?: DetectService };
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

function now(): number {
  return performance.now();
}

function methodNotAllowed(allow: string) {
  return (c: Context) =>
    c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allow}`), 405, {
      allow,
    });
}

/** Exposed to browsers on CORS responses: what Gloss did, and the upstream's request ids. */
const CORS_EXPOSE = [
  'x-gloss-status',
  'x-gloss-rules',
  'x-gloss-ms',
  'x-gloss-upstream',
  'x-gloss-dry-run',
  'x-request-id',
  'request-id',
  'retry-after',
];

/**
 * Gloss's token on proxy routes: in `Authorization: Bearer` when an upstream key is injected (the
 * caller's credential is then Gloss's own, as with LiteLLM's virtual keys), else in x-gloss-token
 * when the operator asks for it (requireToken) and the caller's own key stays in Authorization.
 * Refusals are errors in the shape of the API the client speaks.
 */
function proxyAuth(cfg: ResolvedProxyConfig, token: string | undefined): MiddlewareHandler | undefined {
  if (cfg.injectsKeys && !token && !cfg.allowOpenProxy)
    throw new ConfigError(
      'an upstream key is injected but no Gloss token is set: anyone could spend the key (set GLOSS_BEARER_TOKEN, or allowOpenProxy to serve it open)',
    );
  if (!token || !(cfg.injectsKeys || cfg.requireToken)) return undefined;
  // bearerAuth accepts RFC 6750 token68 characters only; any other token could never match.
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token))
    throw new ConfigError('GLOSS_BEARER_TOKEN must use only letters, digits and . _ ~ + / - (then = padding)');
  const inAuthorization = cfg.injectsKeys;
  const refuse = (why: string) => (c: Context) =>
    apiError(familyOf(c.req.raw), 401, 'unauthorized', why, { 'www-authenticate': 'Bearer realm="gloss"' });
  const missing = inAuthorization
    ? "this proxy needs Gloss's token: send Authorization: Bearer <token> (it is replaced by the upstream key)"
    : "this proxy needs Gloss's token: send x-gloss-token: <token>";
  return bearerAuth({
    token,
    realm: 'gloss',
    ...(inAuthorization ? {} : { headerName: 'x-gloss-token', prefix: '' }),
    noAuthenticationHeader: { message: refuse(missing) },
    invalidAuthenticationHeader: { message: refuse(missing) },
    invalidToken: { message: refuse('invalid Gloss token') },
  });
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
  const maxBodyBytes = deps.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxPromptChars = deps.limits?.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS;
  const log = deps.logger ?? silentLogger;
  const engines = lazyEngine(deps.engine);
  const rewriteSchema = rewriteRequestSchema(maxPromptChars);
  const explainSchema = explainRequestSchema(maxPromptChars);

  async function engine(): Promise<GlossEngine> {
    try {
      return await engines.get();
    } catch (e) {
      log.error('engine.load_failed', { error: describeError(e) });
      throw new HttpError(503, 'engine_unavailable', 'the detector engine could not be loaded; see the server log', {
        'retry-after': '5',
      });
    }
  }

  async function detect<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      // Quoted parts of a detector error may quote the prompt (a token it could not map): redacted.
      log.error('detector.failed', { route: what, error: describeError(e).replace(/"[^"]*"/g, '"…"') });
      throw new HttpError(500, 'detector_error', 'the detector failed on this request; see the server log');
    }
  }

  // /v1/rewrite detects where the proxy does (Node: the worker pool), off the request thread.
  const rewriteDetect = deps.proxyRuntime?.detect ?? inThreadDetect(engines);
  const metrics = deps.metrics ?? glossMetrics();
  const proxyConfig = deps.proxy ? resolveProxyConfig(deps.proxy) : undefined;
  const proxyRoutes = new Set(proxyConfig ? FORMATS.map((f) => f.route) : []);
  const knownRoutes = new Set([
    '/',
    '/healthz',
    '/metrics',
    '/v1/rewrite',
    '/v1/explain',
    '/v1/bundle',
    ...proxyRoutes,
  ]);
  // Extra fields for a request's log line (the proxy adds upstream, gloss status, timings).
  const notes = new WeakMap<Context, LogFields>();
  const note = (c: Context) => (fields: LogFields) => notes.set(c, { ...notes.get(c), ...fields });

  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (err instanceof HttpError) return c.json(errorBody(err.type, err.message), err.status as 400, err.headers);
    log.error('request.failed', { method: c.req.method, path: c.req.path, error: describeError(err) });
    return c.json(errorBody('internal_error', 'internal error; see the server log'), 500);
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

  // One log line per request: route, status, time, what Gloss did (and for the proxy: upstream,
  // its status and time). No prompt text (unless the operator opted in), no headers, no keys.
  app.use('*', async (c, next) => {
    const t0 = now();
    await next();
    const fields: LogFields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: round(now() - t0, 2),
      gloss: c.res.headers.get('x-gloss-status') ?? undefined,
      rules: c.res.headers.get('x-gloss-rules') || undefined,
      ...notes.get(c),
    };
    metrics.httpRequests.inc({
      route: knownRoutes.has(c.req.path) ? c.req.path : 'other',
      status: String(c.res.status),
    });
    if (c.res.status >= 500) log.error('request', fields);
    else log.info('request', fields);
  });

  // Browsers: preflights answered and headers added for the configured origins only.
  if (proxyConfig?.corsOrigins.length) {
    const origins = proxyConfig.corsOrigins;
    app.use(
      '*',
      cors({
        origin: origins.includes('*') ? '*' : origins,
        exposeHeaders: CORS_EXPOSE,
        maxAge: 600,
      }),
    );
  }

  // Gloss's own endpoints under /v1 (with a proxy, every other /v1 path is the proxy's).
  const own = (path: string) =>
    path === '/metrics' ||
    (path.startsWith('/v1/') &&
      (!proxyConfig || ['/v1/rewrite', '/v1/explain', '/v1/bundle'].includes(path) || path.startsWith('/v1/bundle/')));
  if (deps.auth?.bearerToken) {
    const token = deps.auth.bearerToken;
    // Proxy routes authenticate with the caller's upstream key, or with Gloss's token where
    // proxyAuth says so (below).
    app.use('*', async (c, next) => {
      if (!own(c.req.path)) return next();
      const h = c.req.header('authorization') ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(h.trim());
      if (!m || !sameSecret(m[1], token)) {
        throw new HttpError(401, 'unauthorized', m ? 'invalid bearer token' : 'missing Authorization: Bearer <token>', {
          'www-authenticate': 'Bearer realm="gloss"',
        });
      }
      await next();
    });
  }

  // What this server is, for someone who opens its address: no engine load, no secrets.
  app.get('/', (c) => {
    const e = engines.current();
    return c.json({
      name: '@gloss-lens/gloss',
      version: deps.about?.version ?? null,
      description: 'Glosses LLM prompts where a sparse-autoencoder lens predicts a misreading',
      bundle: e?.bundle.manifest.name ?? deps.about?.bundle ?? null,
      explorer: deps.ui ? '/ui/' : null,
      routes: {
        'POST /v1/rewrite': 'gloss { prompt } or { messages }',
        'POST /v1/explain': "per-token activations of the bundle's features",
        'GET /v1/bundle': 'manifest, rules, features, card',
        'GET /healthz': 'readiness',
        'GET /metrics': 'Prometheus text format',
        ...(deps.ui ? { 'GET /ui/': 'the explorer' } : {}),
        ...(proxyConfig
          ? Object.fromEntries(FORMATS.map((f) => [`POST ${f.route}`, 'LLM proxy: glossed, then forwarded upstream']))
          : {}),
        ...(proxyConfig ? { '* /v1/...': 'LLM proxy: passed through unglossed' } : {}),
      },
      docs: 'https://www.npmjs.com/package/@gloss-lens/gloss',
    });
  });
  app.all('/', methodNotAllowed('GET, HEAD'));

  app.get('/healthz', (c) => {
    const e = engines.current();
    const failed = !e && engines.lastError() !== undefined;
    return c.json(
      {
        ok: !failed,
        bundle: e?.bundle.manifest.name ?? null,
        backend: e?.backend ?? null,
        ready: Boolean(e),
        ...(deps.runtimeInfo ? { runtime: deps.runtimeInfo() } : {}),
        ...(failed ? { error: 'the detector engine could not be loaded; see the server log' } : {}),
      },
      failed ? 503 : 200,
    );
  });
  app.all('/healthz', methodNotAllowed('GET, HEAD'));

  app.post('/v1/rewrite', async (c) => {
    const t0 = now();
    const body = (await readJsonRequest(c.req.raw, maxBodyBytes)) as Record<string, unknown>;
    const req = parseRequest(rewriteSchema, body);
    const mode = glossMode(c.req.raw);
    const opts = rewriteOptions(req);
    if (mode === 'off') {
      // The caller asked Gloss to stay out: the texts come back as sent, nothing is detected.
      return c.json(
        {
          status: 'disabled',
          ...(req.prompt !== undefined ? { prompt: req.prompt } : { messages: body.messages }),
          dryRun: false,
          rules: [],
          fired: [],
          inserted: [],
          timing: roundTiming({ tokenize: 0, detect: 0, match: 0, total: now() - t0 }),
        },
        200,
        { 'x-gloss-status': 'disabled', 'x-gloss-rules': '', 'x-gloss-ms': (now() - t0).toFixed(2) },
      );
    }
    const eng = await engine();
    // The same glossing pass as the proxy and the middleware, with no budget, scan limit or cache:
    // this endpoint reports everything the detector says about the texts it was given.
    const messages = body.messages as ChatMessage[] | undefined; // as sent: unknown fields survive
    const unit: PassUnit =
      req.prompt !== undefined
        ? { messages: [{ role: 'user', content: req.prompt, path: ['prompt'] }], scan: 'all' }
        : {
            messages: messages!.map((m, i) => ({ ...m, path: ['messages', i, 'content'] })),
            scan: opts.scan ?? 'user',
          };
    const pass = await glossPass(
      [unit],
      { detect: rewriteDetect, engine: eng, hash: sha256Text },
      {
        budgetMs: Infinity,
        scanTokens: Infinity,
        maxGlosses: opts.maxGlosses,
      },
    );
    if (pass.error !== undefined) {
      // Quoted parts of a detector error may quote the prompt (a token it could not map): redacted.
      log.error('detector.failed', { route: 'rewrite', error: describeError(pass.error).replace(/"[^"]*"/g, '"…"') });
      throw new HttpError(500, 'detector_error', 'the detector failed on this request; see the server log');
    }
    const out = pass.units[0];
    const fired: FiredReport[] = [];
    const inserted: InsertedReport[] = [];
    for (const m of out.reports)
      for (const p of m.parts) {
        const where = req.prompt !== undefined ? {} : { message: m.index, part: p.part };
        for (const f of p.fired) fired.push(firedReport(eng, f, where));
        for (const i of p.inserted) inserted.push({ rule: i.ruleId, at: i.at, gloss: i.gloss, ...where });
      }
    // Unchanged messages go back as sent; changed ones without the view's path.
    const glossedMessages = messages?.map((m, i) => {
      if (out.messages[i] === unit.messages[i]) return m;
      const { path: _path, ...rest } = out.messages[i];
      return rest;
    });
    const run = {
      status: out.status,
      prompt: req.prompt !== undefined ? (out.messages[0].content as string) : undefined,
      messages: glossedMessages,
      fired,
      inserted,
      timing: pass.timing,
    };
    const dryRun = mode === 'dry-run' || (opts.dryRun ?? false);
    const total = now() - t0;
    const rules = ruleIds(run.fired);
    const headers: Record<string, string> = {
      'x-gloss-status': headerStatus(run.status),
      'x-gloss-rules': rules.join(','),
      'x-gloss-ms': total.toFixed(2),
    };
    if (dryRun) headers['x-gloss-dry-run'] = 'true';
    return c.json(
      {
        status: run.status,
        ...(req.prompt !== undefined
          ? { prompt: dryRun ? req.prompt : run.prompt }
          : { messages: dryRun ? body.messages : run.messages }),
        dryRun,
        rules,
        fired: run.fired,
        inserted: run.inserted,
        timing: roundTiming({ ...run.timing, total }),
        backend: eng.backend,
        bundle: eng.bundle.manifest.name,
      },
      200,
      headers,
    );
  });
  app.all('/v1/rewrite', methodNotAllowed('POST'));

  app.post('/v1/explain', async (c) => {
    const t0 = now();
    const req = parseRequest(explainSchema, await readJsonRequest(c.req.raw, maxBodyBytes));
    // /v1/explain never rewrites, so dry-run changes nothing; off answers without detecting.
    if (glossMode(c.req.raw) === 'off')
      return c.json(
        {
          status: 'disabled',
          tokens: [],
          activations: [],
          fired: [],
          timing: roundTiming({ tokenize: 0, detect: 0, match: 0, total: now() - t0 }),
        },
        200,
        { 'x-gloss-status': 'disabled' },
      );
    const eng = await engine();
    const maxGlosses = req.maxGlosses ?? req.options?.maxGlosses;
    const a = await detect('explain', () => eng.analyze(req.prompt, { maxGlosses }));
    const F = a.numFeatures;
    const activations = a.tokens.map((_, t) => Array.from(a.activations.subarray(t * F, (t + 1) * F), (v) => round(v)));
    const features = [...(eng.bundle.features?.features ?? [])]
      .sort((x, y) => x.column - y.column)
      .map((f) => ({ column: f.column, feature: f.feature, label: f.label, threshold: f.threshold }));
    return c.json({
      bundle: eng.bundle.manifest.name,
      backend: eng.backend,
      tokens: a.tokens,
      features,
      rules: eng.rules.map((r) => ({ id: r.id, feature: r.feature, threshold: r.threshold, label: r.label })),
      activations,
      fired: a.fired.map((f) => firedReport(eng, f)),
      windows: a.windows,
      timing: roundTiming({ ...a.ms, total: now() - t0 }),
    });
  });
  app.all('/v1/explain', methodNotAllowed('POST'));

  app.get('/v1/bundle', async (c) => {
    const eng = await engine();
    const b = eng.bundle;
    return c.json({
      manifest: b.manifest,
      backend: eng.backend,
      rules: b.rules?.rules ?? [],
      features: b.features?.features ?? [],
      card: b.card ?? null,
    });
  });
  app.all('/v1/bundle', methodNotAllowed('GET, HEAD'));

  app.get('/metrics', (c) => c.body(metrics.registry.render(), 200, { 'content-type': METRICS_CONTENT_TYPE }));
  app.all('/metrics', methodNotAllowed('GET, HEAD'));

  // The explorer (src/ui): after the API routes, behind the same bearer token as /v1.
  if (deps.ui) app.route('/', uiRoutes(deps.ui));

  if (proxyConfig) {
    const proxy = createProxy({
      config: proxyConfig,
      engines,
      metrics,
      logger: log,
      fetch: deps.proxyRuntime?.fetch,
      cache: deps.proxyRuntime?.cache,
      hash: deps.proxyRuntime?.hash,
      detect: deps.proxyRuntime?.detect,
      tokenInAuthorization: proxyConfig.injectsKeys && Boolean(deps.auth?.bearerToken),
    });
    const auth = proxyAuth(proxyConfig, deps.auth?.bearerToken);
    if (auth) app.use('/v1/*', async (c, next) => (own(c.req.path) ? next() : auth(c, next)));
    for (const f of FORMATS) {
      app.post(f.route, (c) => proxy.glossing(c.req.raw, f, note(c)));
      app.all(f.route, methodNotAllowed('POST'));
    }
    app.all('/v1/*', (c) => proxy.passthrough(c.req.raw, note(c)));
  }

  return app;
}

export type { Logger } from './http/logger.ts';
export { jsonLogger, silentLogger } from './http/logger.ts';
export type { ErrorType };
