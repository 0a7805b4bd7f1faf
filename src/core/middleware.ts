// gloss(options): Gloss as a Hono middleware for any app. For a JSON request whose body holds a
// `prompt` string or a `messages` array, it glosses the texts before the handler runs (the handler
// sees a new Request with the rewritten body, and c.req.json() reads it), then says what it did in
// the response headers x-gloss-status, x-gloss-rules and x-gloss-ms. Everything else in the body
// stays byte-identical; requests that are not JSON, or hold neither field, pass through untouched.
//
// Fail-open (the default): a detector error, a detector over its time budget, or a body over the
// size limit forwards the original body untouched (x-gloss-status skipped-error, skipped-timeout,
// skipped-too-large). Fail-closed answers 503 instead. A request's `x-gloss: off` leaves it alone
// (disabled), `x-gloss: dry-run` reports without changing it. Web-standard Request/Response only;
// the Node entry (src/runtime/node/gloss.ts) adds bundle folders and the shared engine per bundle.
import type { Context, MiddlewareHandler, Next } from 'hono';
import { z } from 'zod';
import { loadBundle } from './bundle/load.ts';
import type { BundleSource } from './bundle/source.ts';
import type { InferenceBackend } from './detector/backend.ts';
import { GlossEngine } from './engine/engine.ts';
import { lazyEngine, type LazyEngine } from './engine/lazy-engine.ts';
import { RUN_DEFAULTS, RunOptionsSchema, type FamiliesOption, type GlossRunOptions } from './engine/run-options.ts';
import { familiesInEffect, matchFamilies, requestFamilies } from './gloss/families.ts';
import { applyEdits } from './formats/gloss-body.ts';
import { sha256Text } from './gloss/cache.ts';
import { inThreadDetect } from './gloss/detect.ts';
import { glossHeaders, type GlossStatus } from './gloss/headers.ts';
import { glossPass, type PassResult, type PassUnit } from './gloss/pass.ts';
import { redactDetectorError } from './gloss/redact.ts';
import { ruleIds, unitReports, type FiredReport, type InsertedReport } from './gloss/report.ts';
import { messagesUnit, promptUnit } from './gloss/units.ts';
import { DEFAULT_MAX_BODY_BYTES, isJsonContentType, readUpTo, replay } from './http/body.ts';
import { errorBody, type HttpError } from './http/errors.ts';
import { silentLogger, type Logger } from './http/logger.ts';
import { glossMode, type GlossMode } from './http/mode.ts';
import type { ChatMessage, ScanMode } from './rewrite/messages.ts';
import { formatIssues } from './rules/schema.ts';

/** What the middleware did with a request (`x-gloss-status`; `disabled`: the caller sent `x-gloss: off`). */
export type { GlossStatus };

/** Options of {@link gloss}; every one is optional, and an unknown or ill-typed one throws. */
export interface GlossOptions extends GlossRunOptions {
  /**
   * The bundle to gloss with: a folder path (Node: `gloss` from `@gloss-lens/gloss/node`, which
   * also uses the embedded default bundle when neither this nor `engine` is given) or a
   * {@link BundleSource} (then `backend` is needed unless the Node entry supplies onnxruntime-node).
   */
  bundle?: string | BundleSource;
  /** With a BundleSource `bundle`: the inference backend (e.g. onnxruntime-web on Workers). */
  backend?: InferenceBackend;
  /** Advanced: creates the engine on the first request that needs it; reused after. Excludes `bundle`. */
  engine?: () => Promise<GlossEngine>;
  /** Bodies larger than this, in bytes, are passed on unread past the limit (default 1 MiB). */
  maxBodyBytes?: number;
  /** Where `gloss.skipped` and `gloss.detector_failed` events go (default: nowhere). */
  logger?: Logger;
}

const isFunction = (v: unknown) => typeof v === 'function';
const hasMethods =
  (...names: string[]) =>
  (v: unknown) =>
    typeof v === 'object' && v !== null && names.every((n) => isFunction((v as Record<string, unknown>)[n]));

/** The options as the middleware checks them when it is created (zod, strict: unknown keys throw). */
export const GlossOptionsSchema = z.strictObject({
  bundle: z
    .union([
      z.string().min(1, 'must not be empty'),
      z.custom<BundleSource>(hasMethods('read'), 'must be a folder path or a BundleSource ({ label, read(name) })'),
    ])
    .optional(),
  backend: z
    .custom<InferenceBackend>(
      hasMethods('createSession'),
      'must be an InferenceBackend ({ name, createSession(model) })',
    )
    .optional(),
  engine: z
    .custom<() => Promise<GlossEngine>>(isFunction, 'must be a function returning a Promise<GlossEngine>')
    .optional(),
  ...RunOptionsSchema.shape,
  maxBodyBytes: z.number().int().positive().optional(),
  logger: z.custom<Logger>(hasMethods('info', 'warn', 'error'), 'must be a Logger ({ info, warn, error })').optional(),
});

/**
 * Checks gloss()'s options as {@link GlossOptionsSchema} says, and that `bundle` and `engine` are
 * not both given.
 * @throws TypeError `gloss(): invalid options: bundel: unknown key` and the like, naming each option.
 */
export function parseGlossOptions(options: unknown): GlossOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options)))
    throw new TypeError(`gloss(): options must be an object, got ${options === null ? 'null' : typeof options}`);
  const r = GlossOptionsSchema.safeParse(options ?? {});
  if (!r.success) throw new TypeError(`gloss(): ${formatIssues('options', r.error)}`);
  if (r.data.bundle !== undefined && r.data.engine !== undefined)
    throw new TypeError('gloss(): give either bundle or engine, not both');
  if (r.data.backend !== undefined && r.data.bundle === undefined)
    throw new TypeError('gloss(): backend needs a bundle (a BundleSource) to run');
  return r.data;
}

/** What the middleware did, for the handler: `c.get('gloss')`. */
export interface GlossReport {
  status: GlossStatus;
  rules: string[];
  fired: FiredReport[];
  inserted: InsertedReport[];
  ms: number;
  dryRun: boolean;
  /** The misreading families this request glossed (also the x-gloss-families header); absent where no pass ran. */
  families?: string[];
}

/** Hono Variables of an app using the middleware: `new Hono<{ Variables: GlossVariables }>()`, then `c.get('gloss')`. */
export type GlossVariables = { gloss?: GlossReport };

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Replaces the request the handler will see; Hono's body cache is dropped so c.req.json() reads it. */
function setBody(c: Context, body: Uint8Array | ReadableStream<Uint8Array>, length?: number): void {
  const headers = new Headers(c.req.raw.headers);
  if (length !== undefined) {
    headers.delete('transfer-encoding');
    headers.set('content-length', String(length));
  }
  const init: RequestInit & { duplex?: 'half' } = { body: body as BodyInit, headers };
  if (body instanceof ReadableStream) init.duplex = 'half';
  c.req.raw = new Request(c.req.raw, init);
  c.req.bodyCache = {};
}

interface Target {
  prompt?: string;
  messages?: ChatMessage[];
}

function target(json: unknown): Target | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  const t: Target = {};
  if (typeof o.prompt === 'string') t.prompt = o.prompt;
  if (Array.isArray(o.messages) && o.messages.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m)))
    t.messages = o.messages as ChatMessage[];
  return t.prompt === undefined && t.messages === undefined ? undefined : t;
}

/**
 * Gloss as a Hono middleware: for a POST/PUT/PATCH JSON request whose body holds a `prompt` string
 * or a chat `messages` array, the texts are glossed before the handler runs (it reads the new body
 * with `c.req.json()`), and the response says what happened in `x-gloss-status`, `x-gloss-rules`
 * and `x-gloss-ms`; `c.get('gloss')` holds the full {@link GlossReport}. A request may send
 * `x-gloss: off` (left alone) or `x-gloss: dry-run` (reported, not changed).
 *
 * This entry runs anywhere (Web-standard APIs only), so it needs an engine: `engine`, or a
 * BundleSource `bundle` with a `backend`. On Node, `gloss` from `@gloss-lens/gloss/node` also
 * takes a folder path and, with no bundle at all, the embedded default bundle, each loaded once
 * and shared by every middleware that names it.
 *
 * @throws TypeError at creation, naming the option, for an unknown option, a wrong type, `bundle`
 *   and `engine` together, or a bundle this runtime cannot load (a folder path here, or a
 *   BundleSource without `backend`).
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { gloss, type GlossVariables } from '@gloss-lens/gloss';
 *
 * const app = new Hono<{ Variables: GlossVariables }>();
 * app.use('/ask', gloss({ engine: () => myEngine, budgetMs: 100 }));
 * app.post('/ask', async (c) => c.json({ body: await c.req.json(), gloss: c.get('gloss') }));
 * ```
 */
export function gloss(options?: GlossOptions): MiddlewareHandler<{ Variables: GlossVariables }> {
  const o = parseGlossOptions(options);
  let factory = o.engine;
  if (!factory && o.bundle !== undefined) {
    const bundle = o.bundle;
    if (typeof bundle === 'string')
      throw new TypeError(
        `gloss(): bundle ${JSON.stringify(bundle)} is a folder path, which this runtime cannot read: import { gloss } from '@gloss-lens/gloss/node' on Node, or pass a BundleSource with a backend`,
      );
    const backend = o.backend;
    if (!backend)
      throw new TypeError(
        "gloss(): a BundleSource bundle needs a backend (e.g. onnxruntime-web); on Node import { gloss } from '@gloss-lens/gloss/node'",
      );
    factory = async () => GlossEngine.create(await loadBundle(bundle), backend);
  }
  if (!factory)
    throw new TypeError(
      "gloss(): no bundle: pass bundle (a BundleSource with a backend) or engine; on Node, gloss() from '@gloss-lens/gloss/node' uses the embedded default bundle",
    );
  return glossMiddleware(factory, o);
}

/** The middleware's settings, defaults filled in, shared by every request it sees. */
interface Settings {
  engines: LazyEngine;
  scan: ScanMode;
  failOpen: boolean;
  budgetMs: number;
  maxBodyBytes: number;
  scanTokens: number;
  maxGlosses?: number;
  families?: FamiliesOption;
  dryRun: boolean;
  log: Logger;
}

/** One request on its way through the middleware. */
interface Run {
  c: Context<{ Variables: GlossVariables }>;
  next: Next;
  dryRun: boolean;
  /** When the middleware started on it (performance clock, ms). */
  t0: number;
  /** The families to gloss: the x-gloss-families header, else the option (undefined: the bundle's). */
  families?: FamiliesOption;
}

/** The middleware itself, for an engine factory already chosen (the Node entry shares one per bundle). */
export function glossMiddleware(
  engineFactory: () => Promise<GlossEngine>,
  options: Omit<GlossOptions, 'bundle' | 'backend' | 'engine'>,
): MiddlewareHandler<{ Variables: GlossVariables }> {
  const s: Settings = {
    engines: lazyEngine(engineFactory),
    scan: options.scan ?? RUN_DEFAULTS.scan,
    failOpen: options.failOpen ?? RUN_DEFAULTS.failOpen,
    budgetMs: options.budgetMs ?? RUN_DEFAULTS.budgetMs,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    scanTokens: options.scanTokens ?? RUN_DEFAULTS.scanTokens,
    maxGlosses: options.maxGlosses,
    families: options.families,
    dryRun: options.dryRun ?? RUN_DEFAULTS.dryRun,
    log: options.logger ?? silentLogger,
  };

  return async function gloss(c, next) {
    if (!hasJsonBody(c)) return next();
    let mode: GlossMode;
    let families: FamiliesOption | undefined;
    try {
      mode = glossMode(c.req.raw);
      families = requestFamilies(c.req.raw, s.families);
    } catch (e) {
      const err = e as HttpError;
      return c.json(errorBody(err.type, err.message), 400);
    }
    if (mode === 'off') return disabled(c, next);
    const run: Run = { c, next, dryRun: mode === 'dry-run' || s.dryRun, t0: performance.now(), families };
    const bytes = await readBody(c, s.maxBodyBytes);
    if (!bytes) return tooLarge(s, run);
    const body = decodeTarget(bytes);
    // Not a body Gloss understands: the handler gets exactly what the client sent.
    if (!body) return handOn(run, bytes);
    const outcome = await detect(s, body.target, families);
    if (outcome.failure !== undefined || outcome.pass?.status === 'skipped-timeout')
      return skipped(s, run, bytes, outcome.failure);
    return glossed(run, bytes, body, outcome.engine!, outcome.pass!);
  };
}

/** Whether the request may carry a JSON body to gloss: POST, PUT or PATCH with a JSON content type and a body. */
function hasJsonBody(c: Context): boolean {
  return (
    BODY_METHODS.has(c.req.method) &&
    isJsonContentType(c.req.header('content-type') ?? null) &&
    Boolean(c.req.raw.body || c.req.raw.bodyUsed)
  );
}

/** `x-gloss: off`: the request goes on untouched, reported as disabled. */
async function disabled(c: Context<{ Variables: GlossVariables }>, next: Next): Promise<void> {
  c.set('gloss', { status: 'disabled', rules: [], fired: [], inserted: [], ms: 0, dryRun: false });
  await next();
  setHeaders(c, glossHeaders({ status: 'disabled' }));
}

/** Records what the middleware did (`c.get('gloss')`) and returns it. */
function report(
  run: Run,
  status: GlossStatus,
  found?: { fired: FiredReport[]; inserted: InsertedReport[] },
): GlossReport {
  const fired = found?.fired ?? [];
  const r: GlossReport = {
    status,
    rules: ruleIds(fired),
    fired,
    inserted: found?.inserted ?? [],
    ms: performance.now() - run.t0,
    dryRun: run.dryRun,
  };
  run.c.set('gloss', r);
  return r;
}

/** The x-gloss-* headers of a report. */
function reportHeaders(r: GlossReport): Record<string, string> {
  return glossHeaders({ status: r.status, rules: r.rules, ms: r.ms, dryRun: r.dryRun, families: r.families });
}

/** Runs the handler, then sets the report's headers on its response. */
async function nextThenReport(run: Run, r: GlossReport): Promise<void> {
  await run.next();
  setHeaders(run.c, reportHeaders(r));
}

/** Hands the body on as it came (all of it read), to the handler. */
function handOn(run: Run, bytes: Uint8Array): Promise<void> {
  setBody(run.c, bytes, bytes.byteLength);
  return run.next();
}

/**
 * The body's bytes, or undefined past `maxBodyBytes`: then nothing is scanned and the handler gets
 * the stream as it came (content-length said too much: not read at all; otherwise the bytes read
 * so far, then the rest). An earlier middleware may have read the body through c.req already.
 */
async function readBody(c: Context, maxBodyBytes: number): Promise<Uint8Array | undefined> {
  if (c.req.raw.bodyUsed) return new Uint8Array(await c.req.arrayBuffer());
  const r = await readUpTo(c.req.raw, maxBodyBytes);
  if (r.complete) return r.bytes;
  if (r.rest) setBody(c, replay(r.head, r.rest));
  return undefined;
}

/** A body over the size limit: reported skipped-too-large, passed on unscanned. */
function tooLarge(s: Settings, run: Run): Promise<void> {
  const r = report(run, 'skipped-too-large');
  s.log.warn('gloss.skipped', { reason: 'too-large', limit: s.maxBodyBytes });
  return nextThenReport(run, r);
}

/** The body as text, and what in it Gloss glosses; undefined for a body that is not UTF-8 JSON with `prompt` or `messages`. */
function decodeTarget(bytes: Uint8Array): { text: string; target: Target } | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    const t = target(JSON.parse(text));
    return t ? { text, target: t } : undefined;
  } catch {
    return undefined;
  }
}

/** What the glossing pass made of a request: the pass, or the failure that stopped it (the engine's load included). */
interface Detection {
  engine?: GlossEngine;
  pass?: PassResult;
  failure?: unknown;
}

/**
 * The one glossing pass the proxy uses too: `prompt` (always scanned) and `messages` (by the scan
 * mode), detected within the budget. A cold engine load is paid once, not counted in the budget.
 * A failure is logged (redacted) and returned, never thrown.
 */
async function detect(s: Settings, t: Target, families: FamiliesOption | undefined): Promise<Detection> {
  let d: Detection;
  try {
    const engine = await s.engines.get();
    const units: PassUnit[] = [];
    if (t.prompt !== undefined) units.push(promptUnit(t.prompt));
    if (t.messages) units.push(messagesUnit(t.messages, s.scan));
    const pass = await glossPass(
      units,
      { detect: inThreadDetect(s.engines), engine, hash: sha256Text },
      { budgetMs: s.budgetMs, scanTokens: s.scanTokens, maxGlosses: s.maxGlosses, families: matchFamilies(families) },
    );
    d = { engine, pass, failure: pass.error };
  } catch (e) {
    d = { failure: e };
  }
  if (d.failure !== undefined) s.log.error('gloss.detector_failed', { error: redactDetectorError(d.failure) });
  return d;
}

/** The detector failed or ran over its budget: 503 when failing closed, else the original body goes on. */
async function skipped(s: Settings, run: Run, bytes: Uint8Array, failure: unknown): Promise<Response | void> {
  const failed = failure !== undefined;
  const r = report(run, failed ? 'skipped-error' : 'skipped-timeout');
  if (!failed) s.log.warn('gloss.skipped', { reason: 'timeout', budgetMs: s.budgetMs });
  if (!s.failOpen) {
    const res = run.c.json(
      failed
        ? errorBody('detector_error', 'the detector failed on this request')
        : errorBody('detector_timeout', `the detector took longer than its ${s.budgetMs} ms budget`),
      503,
    );
    setHeaders(run.c, reportHeaders(r), res);
    return res;
  }
  setBody(run.c, bytes, bytes.byteLength);
  return nextThenReport(run, r);
}

/** The pass ran: the glossed body (unless dry-run or unchanged) goes to the handler, with the report. */
function glossed(
  run: Run,
  bytes: Uint8Array,
  body: { text: string; target: Target },
  engine: GlossEngine,
  pass: PassResult,
): Promise<void> {
  const fired: FiredReport[] = [];
  const inserted: InsertedReport[] = [];
  pass.units.forEach((u, k) => {
    const r = unitReports(engine, u, k === 0 && body.target.prompt !== undefined);
    fired.push(...r.fired);
    inserted.push(...r.inserted);
  });
  const changed = pass.status === 'rewritten';
  const r = report(run, changed ? 'rewritten' : 'unchanged', { fired, inserted });
  r.families = familiesInEffect(run.families, engine.rules);
  if (changed && !run.dryRun) {
    const out = new TextEncoder().encode(applyEdits(body.text, pass.edits));
    setBody(run.c, out, out.byteLength);
  } else {
    setBody(run.c, bytes, bytes.byteLength);
  }
  return nextThenReport(run, r);
}

/** Sets `headers` on `res`, or on the context's response when none is given. */
function setHeaders(c: Context, headers: Record<string, string>, res?: Response): void {
  for (const [k, v] of Object.entries(headers)) {
    if (res) res.headers.set(k, v);
    else c.header(k, v);
  }
}
