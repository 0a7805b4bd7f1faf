// The LLM proxy, as four steps each request goes through:
//
//   admit    x-gloss mode -> upstream by name (allow-list) -> body: read up to the scan limit, or
//            streamed on unscanned (over the scan limit, compressed) up to the forward limit
//   detect   the glossing pass (src/core/gloss/pass.ts): cached outcomes, new texts detected off the request
//            thread within the time budget, glossed texts spliced into the original bytes
//   forward  to a fixed URL (configured base + route path + the client's query as sent); no
//            redirects followed
//   relay    status, headers and body streamed back, plus the x-gloss-* headers
//
// Other paths under /v1 (GET /v1/models, /v1/messages/count_tokens, embeddings ...) take the
// passthrough: admit and forward and relay, no detection. Gloss's token (with an injected key) is
// checked before any of this, by Hono's bearerAuth (src/core/routes/guards.ts).
//
// Gloss's own refusals (bad body, unknown upstream, upstream down) are JSON errors in the shape of
// the API the client speaks, so the SDKs raise them like the provider's own: OpenAI
// `{ "error": { "type", "message" } }`, Anthropic `{ "type": "error", "error": { "type", "message" } }`.
import type { ApiFamily, FormatAdapter } from '../formats/types.ts';
import { declaredLength, readUpTo, replay, requireJsonContentType } from '../http/body.ts';
import { HttpError, type ErrorType } from '../http/errors.ts';
import type { LazyEngine } from '../engine/lazy-engine.ts';
import type { LogFields, Logger } from '../http/logger.ts';
import { memoryCache, sha256Text, type DetectionCache, type HashFn } from '../gloss/cache.ts';
import { upstreamUrl, type ResolvedProxyConfig, type ResolvedUpstream } from './config.ts';
import { inThreadDetect, type DetectService } from '../gloss/detect.ts';
import { forward as fetchUpstream, type FetchFn, type ForwardResult } from './forward.ts';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import type { GlossMetrics } from '../metrics/metrics.ts';
import { glossMode, type GlossMode } from '../http/mode.ts';
import type { FamiliesOption } from '../engine/run-options.ts';
import { familiesInEffect, matchFamilies, requestFamilies } from '../gloss/families.ts';
import { glossHeaders, type GlossStatus } from '../gloss/headers.ts';
import { deadlineIn, SLICE_MS, yieldToLoop, type Deadline } from '../gloss/deadline.ts';
import { glossPass, type PassResult } from '../gloss/pass.ts';
import { spliceJsonPaced, type SpliceResult } from '../http/json-splice.ts';
import { redactDetectorError } from '../gloss/redact.ts';
import { relay as relayBody } from './stream.ts';
import { readBody, type BodyRead, type BodyReader } from './body-read.ts';

/** What {@link createProxy} needs: the resolved configuration, the engine, metrics, logging and runtime parts. */
export interface ProxyDeps {
  config: ResolvedProxyConfig;
  engines: LazyEngine;
  metrics: GlossMetrics;
  logger: Logger;
  /** How requests go upstream (default: the global fetch). */
  fetch?: FetchFn;
  /** Gloss cache (default: an in-memory LRU of config.cacheEntries; none when 0). */
  cache?: DetectionCache;
  /** Text -> hex digest for cache keys (default SHA-256 through Web Crypto). */
  hash?: HashFn;
  /** Where detection runs (default: in-thread on the lazy engine; Node passes a worker pool). */
  detect?: DetectService;
  /** Where bodies of at least its minBytes are decoded, parsed and viewed (default: all in the request's thread; Node passes a worker pool). */
  reader?: BodyReader;
  /** Callers authenticate with Gloss's token in Authorization: their credentials never go upstream. */
  tokenInAuthorization?: boolean;
}

/** A glossing proxy route: the client's Request in the given API format, the upstream's answer (or an error in that API's shape) out. */
export type ProxyHandler = (
  req: Request,
  adapter: FormatAdapter,
  note: (fields: LogFields) => void,
) => Promise<Response>;

/** Any other method and path under /v1, forwarded unglossed. */
export type PassthroughHandler = (req: Request, note: (fields: LogFields) => void) => Promise<Response>;

/** An error in the shape of the API the client speaks. */
export function apiError(
  apiFamily: ApiFamily,
  status: number,
  type: ErrorType,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const body = apiFamily === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { type, message } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** Anthropic's SDK always sends anthropic-version; everything else is spoken as OpenAI. */
export function apiFamilyOf(req: Request): ApiFamily {
  return req.headers.has('anthropic-version') ? 'anthropic' : 'openai';
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A request body as admitted: all its bytes (to scan), or a stream passed on unscanned. */
type AdmittedBody =
  | { kind: 'bytes'; bytes: Uint8Array }
  | {
      kind: 'stream';
      stream: ReadableStream<Uint8Array> | null;
      length?: number;
      why: 'too-large' | 'encoded' | 'off';
    };

interface Admitted {
  upstream: ResolvedUpstream;
  mode: GlossMode;
  body: AdmittedBody;
  /** Set when a streamed body ran past the forward limit on its way upstream. */
  overLimit: { hit: boolean };
  /** A HEAD request (its answer keeps the upstream's content-length). */
  head?: boolean;
  /** The families to gloss: the request's x-gloss-families header, else the config's (undefined: the bundle's). */
  families?: FamiliesOption;
}

/** What every step of a proxied request reads: ProxyDeps with its defaults filled in. */
interface ProxyContext {
  config: ResolvedProxyConfig;
  engines: LazyEngine;
  metrics: GlossMetrics;
  log: Logger;
  fetch: FetchFn;
  cache?: DetectionCache;
  hash: HashFn;
  detect: DetectService;
  reader?: BodyReader;
  tokenInAuthorization: boolean;
}

/** The x-gloss-* headers of a response, built when it is sent (x-gloss-ms is read then). */
type GlossHeaders = () => Record<string, string>;

/** Merges fields into the request's log line. */
type Note = (fields: LogFields) => void;

/**
 * The LLM proxy's two handlers: `glossing` (chat completions, responses, messages: admit, detect,
 * forward, relay) and `passthrough` (any other /v1 path, forwarded unglossed). Never throws for a
 * bad request: errors are Responses in the client's API shape.
 */
export function createProxy(deps: ProxyDeps): { glossing: ProxyHandler; passthrough: PassthroughHandler } {
  const { config } = deps;
  const ctx: ProxyContext = {
    config,
    engines: deps.engines,
    metrics: deps.metrics,
    log: deps.logger,
    fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
    cache: deps.cache ?? (config.cacheEntries > 0 ? memoryCache(config.cacheEntries) : undefined),
    hash: deps.hash ?? sha256Text,
    detect: deps.detect ?? inThreadDetect(deps.engines),
    reader: deps.reader,
    tokenInAuthorization: deps.tokenInAuthorization ?? false,
  };
  return {
    glossing: (req, adapter, note) => glossing(ctx, req, adapter, note),
    passthrough: (req, note) => passthrough(ctx, req, note),
  };
}

/** A glossing route: admit, detect, forward, relay; fails closed (503) on detector trouble unless failOpen. */
async function glossing(ctx: ProxyContext, req: Request, adapter: FormatAdapter, note: Note): Promise<Response> {
  const t0 = performance.now();
  const { route, apiFamily } = adapter;
  note({ route, format: adapter.id });
  const a = await refusing(apiFamily, async () => {
    refuseUpgrade(req);
    const a = await admit(ctx, req, apiFamily, true);
    note({ upstream: a.upstream.name });
    return a;
  });
  if (a instanceof Response) return a;
  const mode: GlossMode = a.mode === 'on' && ctx.config.dryRun ? 'dry-run' : a.mode;
  const o = await glossBody(ctx, adapter, a, mode);
  if (o instanceof Response) return o;
  const rules = o.pass?.rules ?? [];
  let glossMs = performance.now() - t0;
  const engine = ctx.engines.current();
  const families = o.pass && engine ? familiesInEffect(a.families, engine.rules) : undefined;
  const gloss: GlossHeaders = () =>
    glossHeaders({
      status: o.status,
      rules,
      ms: glossMs,
      upstream: a.upstream.name,
      dryRun: mode === 'dry-run',
      families,
    });
  record(ctx, route, a.upstream, mode, o, note);
  const closed = failClosed(ctx, apiFamily, o.status, gloss);
  if (closed) return closed;
  // The body goes out as the pass decided: remember each new text's outcome for later turns.
  if (o.pass && mode === 'on') o.pass.commit(o.unglossed ? 'plain' : 'as-decided');
  glossMs = performance.now() - t0;
  const sent = await forward(ctx, req, a, apiFamily, adapter.upstreamPath, o.body);
  return relay(ctx, a, apiFamily, route, sent, gloss, note);
}

/** Any other method and path under /v1: admit, forward, relay, no detection. */
async function passthrough(ctx: ProxyContext, req: Request, note: Note): Promise<Response> {
  const t0 = performance.now();
  const apiFamily = apiFamilyOf(req);
  const path = new URL(req.url).pathname;
  note({ route: 'passthrough' });
  const a = await refusing(apiFamily, async () => {
    refuseUpgrade(req);
    // Only what the URL parser left after resolving dot segments, and nothing that a server
    // could decode into another segment.
    if (!path.startsWith('/v1/') || /%2e|%2f|%5c|\\|\/\//i.test(path))
      throw new HttpError(400, 'invalid_request', 'this path cannot be forwarded');
    const a = await admit(ctx, req, apiFamily, false);
    note({ upstream: a.upstream.name });
    return { ...a, head: req.method === 'HEAD' };
  });
  if (a instanceof Response) return a;
  const glossMs = performance.now() - t0;
  const gloss = () => glossHeaders({ status: 'passthrough', rules: [], ms: glossMs, upstream: a.upstream.name });
  ctx.metrics.proxyRequests.inc({ route: 'passthrough', upstream: a.upstream.name, gloss_status: 'passthrough' });
  const sent = await forward(ctx, req, a, apiFamily, path.slice('/v1'.length), a.body);
  return relay(ctx, a, apiFamily, 'passthrough', sent, gloss, note);
}

/**
 * WebSocket upgrades (OpenAI's /v1/realtime) are not proxied: forwarded as a plain GET they would
 * carry an injected key to a request Gloss does not understand. Other Upgrade tokens (h2c) are
 * hop-by-hop offers a server may ignore: the request is served as plain HTTP/1.1.
 */
function refuseUpgrade(req: Request): void {
  const upgrade = req.headers.get('upgrade');
  if (upgrade && /(^|,)\s*websocket\s*(,|$)/i.test(upgrade))
    throw new HttpError(
      400,
      'invalid_request',
      'WebSocket upgrades are not proxied by Gloss (it glosses and forwards HTTP requests only); connect to the upstream directly',
    );
}

/** Runs `step`; an HttpError it throws becomes that error in the client's API shape. */
async function refusing<T>(apiFamily: ApiFamily, step: () => Promise<T>): Promise<T | Response> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof HttpError) return apiError(apiFamily, e.status, e.type, e.message, e.headers);
    throw e;
  }
}

function tooLarge(config: ResolvedProxyConfig): HttpError {
  return new HttpError(413, 'payload_too_large', `request body is larger than ${config.maxForwardBytes} bytes`);
}

/** Counts bytes through; errors the stream (and so the upstream request) past `max`. */
function capped(stream: ReadableStream<Uint8Array>, max: number, over: { hit: boolean }): ReadableStream<Uint8Array> {
  let n = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        n += chunk.byteLength;
        if (n > max) {
          over.hit = true;
          c.error(new HttpError(413, 'payload_too_large', `request body is larger than ${max} bytes`));
        } else c.enqueue(chunk);
      },
    }),
  );
}

/** The upstream named in x-gloss-upstream (when header routing is on), else the API family's configured one. */
function pickUpstream(config: ResolvedProxyConfig, req: Request, apiFamily: ApiFamily): ResolvedUpstream {
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
  const u = config.upstreams.get(config.routes[apiFamily]);
  if (!u)
    throw new HttpError(
      502,
      'upstream_not_configured',
      `no upstream is configured for ${apiFamily} requests (expected one named ${JSON.stringify(config.routes[apiFamily])})`,
    );
  return u;
}

/** A body passed on unread: streamed, under the forward limit, with its declared length kept. */
function unread(
  config: ResolvedProxyConfig,
  req: Request,
  why: 'too-large' | 'encoded' | 'off',
  over: { hit: boolean },
): AdmittedBody {
  if (!req.body) return { kind: 'stream', stream: null, why };
  return { kind: 'stream', stream: capped(req.body, config.maxForwardBytes, over), length: declaredLength(req), why };
}

/**
 * Step 1: the mode, the upstream, and the body. Reads at most the scan limit; a larger body, a
 * compressed one, or any body with x-gloss: off streams on unread. Throws HttpError (4xx).
 */
async function admit(ctx: ProxyContext, req: Request, apiFamily: ApiFamily, scan: boolean): Promise<Admitted> {
  const { config } = ctx;
  const mode = glossMode(req);
  const families = requestFamilies(req, config.families);
  const upstream = pickUpstream(config, req, apiFamily);
  const overLimit = { hit: false };
  const declared = declaredLength(req);
  if (declared !== undefined && declared > config.maxForwardBytes) {
    req.body?.cancel().catch(() => {});
    throw tooLarge(config);
  }
  const encoding = (req.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (!scan || mode === 'off')
    return { upstream, mode, families, body: unread(config, req, 'off', overLimit), overLimit };
  if (encoding !== 'identity')
    return { upstream, mode, families, body: unread(config, req, 'encoded', overLimit), overLimit };
  requireJsonContentType(req);
  // With a declared length the runtime's HTTP parser holds the body to it: read it in one go
  // (also @hono/node-server's fast path, which never builds a full Request).
  if (declared !== undefined && declared <= config.maxBodyBytes && !req.headers.has('transfer-encoding'))
    return {
      upstream,
      mode,
      families,
      body: { kind: 'bytes', bytes: new Uint8Array(await req.arrayBuffer()) },
      overLimit,
    };
  const r = await readUpTo(req, config.maxBodyBytes);
  if (r.complete) return { upstream, mode, families, body: { kind: 'bytes', bytes: r.bytes }, overLimit };
  const stream = r.rest || r.head.length ? capped(replay(r.head, r.rest), config.maxForwardBytes, overLimit) : null;
  // content-length said too much: nothing was read, the request body is still whole.
  const whole = !r.rest && !r.head.length && req.body ? capped(req.body, config.maxForwardBytes, overLimit) : stream;
  return {
    upstream,
    mode,
    families,
    body: { kind: 'stream', stream: whole, length: declared, why: 'too-large' },
    overLimit,
  };
}

/** What step 2 decided: the x-gloss-status, the pass (when one ran) and the body to forward. */
interface Glossed {
  status: GlossStatus;
  pass?: PassResult;
  body: Uint8Array | AdmittedBody;
  /** The pass had glosses to insert, and the body went out without them (it could not be spliced in time or at all). */
  unglossed?: boolean;
}

/**
 * Step 2 for an admitted body: unscanned bodies are skipped (logged when too large or encoded);
 * read ones go through {@link detect}, detector failures and timeouts are logged and counted, and
 * the glossed bytes replace the body when the mode is on. A Response is a 400 for a bad body.
 */
async function glossBody(
  ctx: ProxyContext,
  adapter: FormatAdapter,
  a: Admitted,
  mode: GlossMode,
): Promise<Glossed | Response> {
  const { config, log } = ctx;
  const route = adapter.route;
  if (a.body.kind === 'stream') {
    const status: GlossStatus =
      a.body.why === 'too-large' ? 'skipped-too-large' : a.body.why === 'encoded' ? 'skipped-encoded' : 'disabled';
    if (status !== 'disabled') log.warn('proxy.not_scanned', { route, reason: a.body.why, limit: config.maxBodyBytes });
    return { status, body: a.body };
  }
  // One deadline from here to the upstream: decoding, parsing, the pass and the splice.
  const clock = deadlineIn(config.budgetMs);
  const d = await detect(ctx, adapter, a.body.bytes, clock, a.families);
  if (d instanceof Response) return d;
  const pass = d.pass;
  let status = passStatus(ctx, route, d);
  if (mode === 'dry-run' && status === 'rewritten') status = 'dry-run';
  // The reused glosses of earlier turns go out even when the newest turn ran out of budget.
  if (!pass || mode !== 'on' || !pass.edits.length) return { status, pass, body: a.body };
  const spliced = await splice(d.text ?? utf8.decode(a.body.bytes), pass, clock);
  if (spliced.ok) return { status, pass, body: new TextEncoder().encode(spliced.text) };
  // Not spliced: the original bytes go on unglossed, and the status says why.
  if (status !== 'skipped-error') status = spliced.why === 'timeout' ? 'skipped-timeout' : 'skipped-unspliceable';
  log.warn('proxy.not_spliced', { route, reason: spliced.why });
  return { status, pass, body: a.body, unglossed: true };
}

/** The pass's status, with detector failures and timeouts logged and counted (and the pass's timings observed). */
function passStatus(ctx: ProxyContext, route: string, d: Detected): GlossStatus {
  const { config, log, metrics } = ctx;
  const pass = d.pass;
  const failed = d.failed ?? pass?.error;
  let status: GlossStatus = d.timedOut ? 'skipped-timeout' : (pass?.status ?? 'skipped-error');
  if (failed !== undefined) {
    status = 'skipped-error';
    log.error('proxy.detector_failed', { route, error: redactDetectorError(failed) });
  } else if (status === 'skipped-timeout') {
    metrics.detectionAbandoned.inc({ route });
    log.warn('proxy.detector_timeout', { route, budgetMs: config.budgetMs, step: d.timedOut ? 'read' : 'pass' });
  }
  if (pass && status !== 'skipped-error') {
    metrics.detectionSeconds.observe({ route }, pass.detectMs / 1000);
    for (const r of pass.rules) metrics.rulesFired.inc({ rule: r });
  }
  return status;
}

/** The pass's edits spliced into the body's text, yielding to the event loop every slice, within the deadline. */
function splice(text: string, pass: PassResult, clock: Deadline): Promise<SpliceResult> {
  let turn = performance.now();
  return spliceJsonPaced(text, pass.edits, async () => {
    if (clock.expired()) return true;
    if (performance.now() - turn >= SLICE_MS) {
      await yieldToLoop();
      turn = performance.now();
    }
    return clock.expired();
  });
}

/** What {@link detect} found: the pass (absent when the engine could not load or the read ran out of time) and the body's text when it was decoded here. */
interface Detected {
  pass?: PassResult;
  text?: string;
  failed?: unknown;
  /** The deadline passed while the body was read (decoded, parsed, viewed): no pass ran. */
  timedOut?: boolean;
}

/**
 * The glossing pass over the body's texts. The body is read in this thread, or by the runtime's
 * reader when it is large; a read the deadline cuts short leaves no pass (`timedOut`). Answers
 * 400 for a body that is not JSON of the API's shape.
 */
async function detect(
  ctx: ProxyContext,
  adapter: FormatAdapter,
  bytes: Uint8Array,
  clock: Deadline,
  families: FamiliesOption | undefined,
): Promise<Detected | Response> {
  const { config, reader } = ctx;
  let read: BodyRead;
  try {
    read =
      reader && bytes.byteLength >= reader.minBytes
        ? await reader.read(bytes, adapter.id, clock)
        : readBody(bytes, adapter);
  } catch (e) {
    return { failed: e };
  }
  if (!read.ok) {
    if ('timeout' in read) return { timedOut: true };
    return apiError(adapter.apiFamily, 400, read.error.type, read.error.message);
  }
  let engine;
  try {
    engine = await ctx.engines.get();
  } catch (e) {
    return { failed: e, text: read.text };
  }
  const pass = await glossPass(
    [{ messages: read.messages, scan: config.scan, textPartTypes: adapter.textPartTypes }],
    { detect: ctx.detect, engine, cache: ctx.cache, hash: ctx.hash },
    {
      budgetMs: config.budgetMs,
      scanTokens: config.scanTokens,
      maxGlosses: config.maxGlosses,
      families: matchFamilies(families),
      keepScanned: config.logPrompts,
      deadline: clock,
    },
  );
  return { pass, text: read.text };
}

/** The request's log notes and metrics for a glossing outcome (cache lookups, gloss_status). */
function record(
  ctx: ProxyContext,
  route: string,
  upstream: ResolvedUpstream,
  mode: GlossMode,
  o: Glossed,
  note: Note,
): void {
  const { pass, status } = o;
  const rules = pass?.rules ?? [];
  if (pass && ctx.cache) {
    if (pass.cacheHits) ctx.metrics.cacheLookups.inc({ result: 'hit' }, pass.cacheHits);
    if (pass.texts > pass.cacheHits) ctx.metrics.cacheLookups.inc({ result: 'miss' }, pass.texts - pass.cacheHits);
  }
  note({
    gloss: status,
    rules: rules.length ? rules : undefined,
    detect_ms: pass ? Math.round(pass.detectMs * 100) / 100 : undefined,
    cache_hits: pass?.cacheHits || undefined,
    unscanned: pass?.unscanned || undefined,
    dry_run: mode === 'dry-run' || undefined,
    ...(ctx.config.logPrompts && pass ? { prompts: pass.scanned } : {}),
  });
  ctx.metrics.proxyRequests.inc({ route, upstream: upstream.name, gloss_status: status });
}

/** The 503 to answer instead of forwarding when detection failed or timed out and the proxy fails closed. */
function failClosed(
  ctx: ProxyContext,
  apiFamily: ApiFamily,
  status: GlossStatus,
  gloss: GlossHeaders,
): Response | undefined {
  if ((status !== 'skipped-error' && status !== 'skipped-timeout') || ctx.config.failOpen) return undefined;
  return status === 'skipped-error'
    ? apiError(
        apiFamily,
        503,
        'detector_error',
        'the detector failed on this request, and this proxy is configured to fail closed',
        gloss(),
      )
    : apiError(
        apiFamily,
        503,
        'detector_timeout',
        `the detector took longer than its ${ctx.config.budgetMs} ms budget, and this proxy is configured to fail closed`,
        gloss(),
      );
}

/** Step 3: to the upstream at base + path, the client's query string as sent. */
function forward(
  ctx: ProxyContext,
  req: Request,
  a: Admitted,
  apiFamily: ApiFamily,
  path: string,
  body: Uint8Array | AdmittedBody,
): Promise<ForwardResult> {
  const target = upstreamUrl(a.upstream, path, new URL(req.url).search);
  // With Gloss's token in Authorization, the caller's credentials are that token: never sent upstream.
  const headers = upstreamRequestHeaders(req.headers, a.upstream, apiFamily, { dropAuth: ctx.tokenInAuthorization });
  let payload: Uint8Array | ReadableStream<Uint8Array> | null;
  if (body instanceof Uint8Array) payload = body;
  else if (body.kind === 'bytes') payload = body.bytes;
  else {
    payload = body.stream;
    if (body.length !== undefined && payload) headers.set('content-length', String(body.length));
  }
  const method = req.method;
  return fetchUpstream(
    target,
    { method, headers, body: method === 'GET' || method === 'HEAD' ? null : payload },
    {
      fetch: ctx.fetch,
      timeoutMs: a.upstream.timeoutMs,
      retries: ctx.config.retries,
      signal: req.signal,
      onRetry: (attempt, detail) => {
        ctx.metrics.upstreamRetries.inc({ upstream: a.upstream.name });
        ctx.log.warn('proxy.upstream_retry', { upstream: a.upstream.name, attempt, error: detail });
      },
    },
  );
}

/** Step 4: the upstream's answer back to the client, streamed, with Gloss's headers. */
async function relay(
  ctx: ProxyContext,
  a: Admitted,
  apiFamily: ApiFamily,
  route: string,
  sent: ForwardResult,
  gloss: GlossHeaders,
  note: Note,
): Promise<Response> {
  const { metrics } = ctx;
  const upstream = a.upstream;
  if (!sent.ok) return notSent(ctx, a, apiFamily, sent, gloss, note);
  const res = sent.response;
  metrics.upstreamSeconds.observe({ upstream: upstream.name }, sent.ms / 1000);
  note({ upstream_status: res.status, upstream_ms: Math.round(sent.ms) });
  if (res.status >= 300 && res.status < 400) {
    res.body?.cancel().catch(() => {});
    sent.release();
    metrics.upstreamErrors.inc({ upstream: upstream.name, kind: 'redirect' });
    return apiError(
      apiFamily,
      502,
      'upstream_error',
      `the upstream ${upstream.name} answered with a redirect (${res.status}), which Gloss does not follow`,
      gloss(),
    );
  }
  const out = clientResponseHeaders(res.headers, {
    reportsDecoding: ctx.fetch.reportsDecoding,
    decodes: ctx.fetch.decodes,
    head: a.head,
  });
  for (const [k, v] of Object.entries(gloss())) out.set(k, v);
  if (!res.body || NULL_BODY.has(res.status)) {
    res.body?.cancel().catch(() => {});
    sent.release();
    return new Response(null, { status: res.status, statusText: res.statusText, headers: out });
  }
  const sse = (res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
  const stream = relayBody(res.body, {
    sse,
    idleMs: ctx.config.streamIdleTimeoutMs,
    onEnd: (how) => {
      sent.release();
      if (how === 'cut') metrics.upstreamErrors.inc({ upstream: upstream.name, kind: 'stream_cut' });
      if (how === 'idle') metrics.upstreamErrors.inc({ upstream: upstream.name, kind: 'stream_idle' });
      if (how === 'cut' || how === 'idle') ctx.log.warn('proxy.stream_ended', { route, upstream: upstream.name, how });
    },
  });
  return new Response(stream, { status: res.status, statusText: res.statusText, headers: out });
}

/** Step 4 when no answer came: 413 (the streamed body ran over), 499 (client gone), 504 (timeout) or 502. */
function notSent(
  ctx: ProxyContext,
  a: Admitted,
  apiFamily: ApiFamily,
  sent: Extract<ForwardResult, { ok: false }>,
  gloss: GlossHeaders,
  note: Note,
): Response {
  const upstream = a.upstream;
  note({ upstream_ms: Math.round(sent.ms), upstream_error: sent.kind });
  if (a.overLimit.hit) {
    const e = tooLarge(ctx.config);
    return apiError(apiFamily, e.status, e.type, e.message, gloss());
  }
  if (sent.kind === 'client_abort') return new Response(null, { status: 499 });
  ctx.metrics.upstreamErrors.inc({ upstream: upstream.name, kind: sent.kind });
  if (sent.kind === 'timeout')
    return apiError(
      apiFamily,
      504,
      'upstream_timeout',
      `the upstream ${upstream.name} did not answer within ${upstream.timeoutMs} ms`,
      gloss(),
    );
  const why =
    sent.kind === 'connect'
      ? `could not be reached (${sent.detail})`
      : `closed the connection before answering (${sent.detail})`;
  return apiError(apiFamily, 502, 'upstream_error', `the upstream ${upstream.name} ${why}`, gloss());
}
