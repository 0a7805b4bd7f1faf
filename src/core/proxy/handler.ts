// The LLM proxy: one handler for the three API routes.
//
//   request -> Gloss token (only if configured) -> x-gloss mode -> upstream by name (allow-list)
//   -> body (size limit, JSON, the API's shape) -> detection within its time budget -> glossed
//   texts spliced into the original bytes -> upstream (fixed URL: base + route path) -> status,
//   headers and body streamed back, plus x-gloss-status / x-gloss-rules / x-gloss-ms.
//
// Gloss's own refusals (bad body, unknown upstream, upstream down) are JSON errors in the shape of
// the API the client speaks, so the SDKs raise them like the provider's own: OpenAI
// `{ "error": { "type", "message" } }`, Anthropic `{ "type": "error", "error": { "type", "message" } }`.
import type { GlossEngine } from '../engine.ts';
import type { ApiFamily, FormatAdapter } from '../formats/types.ts';
import { glossBody, type BodyGloss } from '../formats/gloss-body.ts';
import { declaredLength, isJsonContentType, readLimited } from '../http/body.ts';
import { describeError, HttpError, type ErrorType } from '../http/errors.ts';
import type { LazyEngine } from '../http/lazy-engine.ts';
import type { LogFields, Logger } from '../http/logger.ts';
import type { Detection } from '../rewrite/messages.ts';
import type { FiredRule } from '../rules/match.ts';
import { memoryCache, sha256Text, type DetectionCache, type HashFn } from './cache.ts';
import type { ResolvedProxyConfig, ResolvedUpstream } from './config.ts';
import { forward, type FetchFn } from './forward.ts';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import type { GlossMetrics } from './metrics.ts';
import { relay } from './stream.ts';
import { sameSecret } from './secret.ts';

export type ProxyGlossStatus = 'rewritten' | 'unchanged' | 'skipped-timeout' | 'skipped-error' | 'disabled';

export interface ProxyDeps {
  config: ResolvedProxyConfig;
  engines: LazyEngine;
  metrics: GlossMetrics;
  logger: Logger;
  /** How requests go upstream (default: the global fetch). */
  fetch?: FetchFn;
  /** Detection cache (default: an in-memory LRU of config.cacheEntries; none when 0). */
  cache?: DetectionCache;
  /** Text -> hex digest for cache keys (default SHA-256 through Web Crypto). */
  hash?: HashFn;
  /** Gloss's bearer token, checked on proxy routes when config.requireToken is set. */
  glossToken?: string;
}

export type ProxyHandler = (
  req: Request,
  adapter: FormatAdapter,
  note: (fields: LogFields) => void,
) => Promise<Response>;

const TIMEOUT = Symbol('timeout');

function withBudget<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  if (!Number.isFinite(ms)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, ms));
  });
  return Promise.race([work, timeout]).finally(() => timer !== undefined && clearTimeout(timer));
}

/** An error in the shape of the API the client speaks. */
export function apiError(
  family: ApiFamily,
  status: number,
  type: ErrorType,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const body = family === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { type, message } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NULL_BODY = new Set([101, 204, 205, 304]);

type Mode = 'on' | 'off' | 'dry-run';

function modeOf(req: Request): Mode {
  const v = req.headers.get('x-gloss');
  if (v === null) return 'on';
  const m = v.trim().toLowerCase();
  if (m === 'off' || m === 'dry-run' || m === 'on' || m === '') return (m || 'on') as Mode;
  throw new HttpError(
    400,
    'invalid_request',
    `x-gloss must be on, off or dry-run, got ${JSON.stringify(v.slice(0, 40))}`,
  );
}

export function createProxy(deps: ProxyDeps): ProxyHandler {
  const { config, metrics, logger: log } = deps;
  const fetchFn: FetchFn = deps.fetch ?? ((input, init) => fetch(input, init));
  const cache = deps.cache ?? (config.cacheEntries > 0 ? memoryCache(config.cacheEntries) : undefined);
  const hash = deps.hash ?? sha256Text;
  const match = { maxGlosses: config.maxGlosses };
  const fingerprints = new WeakMap<GlossEngine, string>();

  function fingerprint(e: GlossEngine): string {
    let f = fingerprints.get(e);
    if (f === undefined) {
      const files = e.bundle.manifest.files;
      f = [
        e.bundle.manifest.name,
        ...Object.keys(files)
          .sort()
          .map((n) => files[n].sha256),
        String(config.maxGlosses ?? ''),
      ].join('\u0000');
      fingerprints.set(e, f);
    }
    return f;
  }

  async function detector(e: GlossEngine, text: string, stats: { hits: number }): Promise<Detection> {
    if (!cache) return { fired: (await e.analyze(text, match)).fired, rules: e.rulesById };
    const key = await hash(`${fingerprint(e)}\u0000${text}`);
    const hit = await cache.get(key);
    if (hit) {
      stats.hits++;
      metrics.cacheLookups.inc({ result: 'hit' });
      return { fired: hit, rules: e.rulesById };
    }
    metrics.cacheLookups.inc({ result: 'miss' });
    const fired: FiredRule[] = (await e.analyze(text, match)).fired;
    // Not awaited: a slow second tier (the Workers Cache API) must not hold up the request.
    Promise.resolve(cache.set(key, fired)).catch(() => {});
    return { fired, rules: e.rulesById };
  }

  function pickUpstream(req: Request, family: ApiFamily): ResolvedUpstream {
    const named = req.headers.get('x-gloss-upstream');
    if (named !== null) {
      if (!config.headerRouting)
        throw new HttpError(400, 'invalid_request', 'x-gloss-upstream is not accepted here (header routing is off)');
      const u = config.upstreams.get(named.trim().toLowerCase());
      if (!u)
        throw new HttpError(
          400,
          'invalid_request',
          `x-gloss-upstream names no configured upstream: ${JSON.stringify(named.slice(0, 64))}`,
        );
      return u;
    }
    const u = config.upstreams.get(config.routes[family]);
    if (!u)
      throw new HttpError(
        502,
        'upstream_not_configured',
        `no upstream is configured for ${family} requests (expected one named ${JSON.stringify(config.routes[family])})`,
      );
    return u;
  }

  /** Gloss's token on proxy routes (config.requireToken): x-gloss-token, or Authorization: Bearer. */
  function checkToken(req: Request): { tokenInAuthorization: boolean } {
    if (!config.requireToken || !deps.glossToken) return { tokenInAuthorization: false };
    const own = req.headers.get('x-gloss-token');
    if (own !== null && sameSecret(own.trim(), deps.glossToken)) return { tokenInAuthorization: false };
    const m = /^Bearer\s+(.+)$/i.exec((req.headers.get('authorization') ?? '').trim());
    if (m && sameSecret(m[1], deps.glossToken)) return { tokenInAuthorization: true };
    throw new HttpError(
      401,
      'unauthorized',
      "this proxy needs Gloss's token: send x-gloss-token (or Authorization: Bearer <token> when Gloss injects the upstream key)",
      {
        'www-authenticate': 'Bearer realm="gloss"',
      },
    );
  }

  async function readBody(req: Request): Promise<Uint8Array> {
    const max = config.maxBodyBytes;
    const declared = declaredLength(req);
    if (declared !== undefined && declared > max) {
      req.body?.cancel().catch(() => {});
      throw new HttpError(413, 'payload_too_large', `request body is larger than ${max} bytes`);
    }
    // With a declared length the runtime's HTTP parser holds the body to it: read it in one go.
    if (declared !== undefined && !req.headers.has('transfer-encoding')) {
      const b = new Uint8Array(await req.arrayBuffer());
      if (b.byteLength > max) throw new HttpError(413, 'payload_too_large', `request body is larger than ${max} bytes`);
      return b;
    }
    return readLimited(req, max);
  }

  return async function proxy(req, adapter, note) {
    const t0 = performance.now();
    const route = adapter.route;
    const family = adapter.family;
    note({ route, format: adapter.id });
    let upstream: ResolvedUpstream;
    let mode: Mode;
    let bytes: Uint8Array;
    let auth: { tokenInAuthorization: boolean };
    try {
      auth = checkToken(req);
      mode = modeOf(req);
      upstream = pickUpstream(req, family);
      note({ upstream: upstream.name });
      bytes = await readBody(req);
    } catch (e) {
      if (e instanceof HttpError) return apiError(family, e.status, e.type, e.message, e.headers);
      throw e;
    }
    if (mode === 'on' && config.dryRun) mode = 'dry-run';

    let status: ProxyGlossStatus = 'disabled';
    let outcome: BodyGloss | undefined;
    let body = bytes;
    let detectMs = 0;
    const stats = { hits: 0 };
    if (mode !== 'off') {
      if (!isJsonContentType(req.headers.get('content-type'))) {
        const got = req.headers.get('content-type');
        return apiError(
          family,
          415,
          'unsupported_media_type',
          `content-type must be application/json${got ? `, got ${got.split(';', 1)[0]}` : ' (none sent)'}`,
        );
      }
      let text: string;
      let json: unknown;
      try {
        text = utf8.decode(bytes);
      } catch {
        return apiError(family, 400, 'invalid_json', 'request body is not valid UTF-8');
      }
      try {
        json = JSON.parse(text);
      } catch (e) {
        return apiError(family, 400, 'invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
      }
      const view = adapter.view(json);
      if (!view.ok) return apiError(family, 400, 'invalid_request', view.error);

      let engine: GlossEngine | undefined;
      let failed: unknown;
      try {
        engine = await deps.engines.get();
      } catch (e) {
        failed = e;
      }
      let result: BodyGloss | typeof TIMEOUT | undefined;
      const d0 = performance.now();
      if (engine) {
        const eng = engine;
        try {
          result = await withBudget(
            glossBody(adapter, text, view.messages, (t) => detector(eng, t, stats), {
              scan: config.scan,
              keepScanned: config.logPrompts,
            }),
            config.budgetMs,
          );
        } catch (e) {
          failed = e;
        }
      }
      detectMs = performance.now() - d0;
      if (failed !== undefined || result === undefined) {
        status = 'skipped-error';
        // Quoted parts of a detector error may quote the prompt: redacted.
        log.error('proxy.detector_failed', { route, error: describeError(failed).replace(/"[^"]*"/g, '"…"') });
      } else if (result === TIMEOUT) {
        status = 'skipped-timeout';
        log.warn('proxy.detector_timeout', { route, budgetMs: config.budgetMs });
      } else {
        outcome = result;
        status = result.status === 'rewritten' ? 'rewritten' : 'unchanged';
        metrics.detectionSeconds.observe({ route }, detectMs / 1000);
        for (const r of result.rules) metrics.rulesFired.inc({ rule: r });
        if (status === 'rewritten' && mode === 'on') body = new TextEncoder().encode(result.body);
      }
    }

    const rules = outcome?.rules ?? [];
    const glossHeaders = (): Record<string, string> => {
      const h: Record<string, string> = {
        'x-gloss-status': status,
        'x-gloss-rules': rules.join(','),
        'x-gloss-ms': glossMs.toFixed(2),
        'x-gloss-upstream': upstream.name,
      };
      if (mode === 'dry-run') h['x-gloss-dry-run'] = 'true';
      return h;
    };
    let glossMs = performance.now() - t0;
    note({
      gloss: status,
      rules: rules.length ? rules : undefined,
      detect_ms: Math.round(detectMs * 100) / 100,
      cache_hits: stats.hits || undefined,
      dry_run: mode === 'dry-run' || undefined,
      ...(config.logPrompts && outcome ? { prompts: outcome.scanned } : {}),
    });
    metrics.proxyRequests.inc({ route, upstream: upstream.name, gloss_status: status });

    if ((status === 'skipped-error' || status === 'skipped-timeout') && !config.failOpen) {
      glossMs = performance.now() - t0;
      return status === 'skipped-error'
        ? apiError(
            family,
            503,
            'detector_error',
            'the detector failed on this request, and this proxy is configured to fail closed',
            glossHeaders(),
          )
        : apiError(
            family,
            503,
            'detector_timeout',
            `the detector took longer than its ${config.budgetMs} ms budget, and this proxy is configured to fail closed`,
            glossHeaders(),
          );
    }

    // The target is always a configured base URL plus the route's fixed path; only the query
    // string comes from the client (re-encoded: it cannot reach the path or the host).
    const target = new URL(upstream.base.href + adapter.upstreamPath);
    const search = new URL(req.url).search;
    if (search) target.search = new URLSearchParams(search).toString();
    const headers = upstreamRequestHeaders(req.headers, upstream, family, { dropAuth: auth.tokenInAuthorization });
    glossMs = performance.now() - t0;

    const sent = await forward(
      target.href,
      { headers, body },
      {
        fetch: fetchFn,
        timeoutMs: upstream.timeoutMs,
        retries: config.retries,
        signal: req.signal,
        onRetry: (attempt, detail) => {
          metrics.upstreamRetries.inc({ upstream: upstream.name });
          log.warn('proxy.upstream_retry', { upstream: upstream.name, attempt, error: detail });
        },
      },
    );
    if (!sent.ok) {
      note({ upstream_ms: Math.round(sent.ms), upstream_error: sent.kind });
      if (sent.kind === 'client_abort') return new Response(null, { status: 499 });
      metrics.upstreamErrors.inc({ upstream: upstream.name, kind: sent.kind });
      if (sent.kind === 'timeout')
        return apiError(
          family,
          504,
          'upstream_timeout',
          `the upstream ${upstream.name} did not answer within ${upstream.timeoutMs} ms`,
          glossHeaders(),
        );
      const why =
        sent.kind === 'connect'
          ? `could not be reached (${sent.detail})`
          : `closed the connection before answering (${sent.detail})`;
      return apiError(family, 502, 'upstream_error', `the upstream ${upstream.name} ${why}`, glossHeaders());
    }

    const res = sent.response;
    metrics.upstreamSeconds.observe({ upstream: upstream.name }, sent.ms / 1000);
    note({ upstream_status: res.status, upstream_ms: Math.round(sent.ms) });
    if (res.status >= 300 && res.status < 400) {
      res.body?.cancel().catch(() => {});
      sent.release();
      metrics.upstreamErrors.inc({ upstream: upstream.name, kind: 'redirect' });
      return apiError(
        family,
        502,
        'upstream_error',
        `the upstream ${upstream.name} answered with a redirect (${res.status}), which Gloss does not follow`,
        glossHeaders(),
      );
    }

    const out = clientResponseHeaders(res.headers);
    for (const [k, v] of Object.entries(glossHeaders())) out.set(k, v);
    if (!res.body || NULL_BODY.has(res.status)) {
      res.body?.cancel().catch(() => {});
      sent.release();
      return new Response(null, { status: res.status, statusText: res.statusText, headers: out });
    }
    const sse = (res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
    const stream = relay(res.body, {
      sse,
      idleMs: config.streamIdleTimeoutMs,
      onEnd: (how) => {
        sent.release();
        if (how === 'cut') metrics.upstreamErrors.inc({ upstream: upstream.name, kind: 'stream_cut' });
        if (how === 'idle') metrics.upstreamErrors.inc({ upstream: upstream.name, kind: 'stream_idle' });
        if (how === 'cut' || how === 'idle') log.warn('proxy.stream_ended', { route, upstream: upstream.name, how });
      },
    });
    return new Response(stream, { status: res.status, statusText: res.statusText, headers: out });
  };
}
