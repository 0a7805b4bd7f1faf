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
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { loadBundle } from './bundle/load.ts';
import type { BundleSource } from './bundle/source.ts';
import type { InferenceBackend } from './detector/backend.ts';
import { GlossEngine } from './engine/engine.ts';
import { glossMode, type GlossMode } from './http/mode.ts';
import { MAX_GLOSSES_LIMIT, SCAN_MODES } from './http/schemas.ts';
import { formatIssues } from './rules/schema.ts';
import { DEFAULT_MAX_BODY_BYTES, isJsonContentType, readUpTo, replay } from './http/body.ts';
import { describeError, errorBody, type HttpError } from './http/errors.ts';
import { firedReport, headerStatus, ruleIds, type FiredReport, type InsertedReport } from './gloss/report.ts';
import { applyEdits } from './formats/gloss-body.ts';
import { sha256Text } from './gloss/cache.ts';
import { inThreadDetect } from './gloss/detect.ts';
import { glossPass, type PassResult, type PassUnit } from './gloss/pass.ts';
import { PROXY_DEFAULTS } from './proxy/config.ts';
import type { GlossRunOptions } from './engine/run-options.ts';
import { lazyEngine } from './engine/lazy-engine.ts';
import { silentLogger, type Logger } from './http/logger.ts';
import type { ChatMessage } from './rewrite/messages.ts';

/** What the middleware did with a request (`x-gloss-status`; `disabled`: the caller sent `x-gloss: off`). */
export type GlossStatus =
  'rewritten' | 'unchanged' | 'disabled' | 'skipped-timeout' | 'skipped-error' | 'skipped-too-large';

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
  /** Most tokens detected per request, newest texts first (default 2048); older texts past it stay plain. */
  scanTokens?: number;
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
  scan: z.enum(SCAN_MODES).optional(),
  dryRun: z.boolean().optional(),
  failOpen: z.boolean().optional(),
  budgetMs: z.number().positive().optional(),
  maxGlosses: z.number().int().min(0).max(MAX_GLOSSES_LIMIT).optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  scanTokens: z.number().int().min(1).optional(),
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

/** The middleware itself, for an engine factory already chosen (the Node entry shares one per bundle). */
export function glossMiddleware(
  engineFactory: () => Promise<GlossEngine>,
  options: Omit<GlossOptions, 'bundle' | 'backend' | 'engine'>,
): MiddlewareHandler<{ Variables: GlossVariables }> {
  const engines = lazyEngine(engineFactory);
  const scan = options.scan ?? 'user';
  const failOpen = options.failOpen ?? true;
  const budgetMs = options.budgetMs ?? 50;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const scanTokens = options.scanTokens ?? PROXY_DEFAULTS.scanTokens;
  const log = options.logger ?? silentLogger;

  return async function gloss(c, next) {
    if (
      !BODY_METHODS.has(c.req.method) ||
      !isJsonContentType(c.req.header('content-type') ?? null) ||
      (!c.req.raw.body && !c.req.raw.bodyUsed)
    ) {
      return next();
    }
    let mode: GlossMode;
    try {
      mode = glossMode(c.req.raw);
    } catch (e) {
      const err = e as HttpError;
      return c.json(errorBody(err.type, err.message), 400);
    }
    if (mode === 'off') {
      c.set('gloss', { status: 'disabled', rules: [], fired: [], inserted: [], ms: 0, dryRun: false });
      await next();
      c.header('x-gloss-status', 'disabled');
      return;
    }
    const dryRun = mode === 'dry-run' || (options.dryRun ?? false);
    const t0 = performance.now();
    let report: GlossReport | undefined;
    const finish = (status: GlossStatus, run?: { fired: FiredReport[]; inserted: InsertedReport[] }) => {
      const fired = run?.fired ?? [];
      report = {
        status,
        rules: ruleIds(fired),
        fired,
        inserted: run?.inserted ?? [],
        ms: performance.now() - t0,
        dryRun,
      };
      c.set('gloss', report);
    };

    // Read the body (an earlier middleware may have read it through c.req already).
    let bytes: Uint8Array;
    if (c.req.raw.bodyUsed) {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    } else {
      const r = await readUpTo(c.req.raw, maxBodyBytes);
      if (!r.complete) {
        // Past the limit: nothing is scanned; the handler gets the stream as it came (content-length
        // said too much: not read at all; otherwise the bytes read so far, then the rest).
        if (r.rest) setBody(c, replay(r.head, r.rest));
        finish('skipped-too-large');
        log.warn('gloss.skipped', { reason: 'too-large', limit: maxBodyBytes });
        await next();
        setHeaders(c, report!);
        return;
      }
      bytes = r.bytes;
    }

    let text: string | undefined;
    let t: Target | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      t = target(JSON.parse(text));
    } catch {
      t = undefined;
    }
    if (!t || text === undefined) {
      // Not a body Gloss understands: the handler gets exactly what the client sent.
      setBody(c, bytes, bytes.byteLength);
      return next();
    }

    // The one glossing pass the proxy uses too: `prompt` (always scanned) and `messages` (by the
    // scan mode), detected within the budget, spliced into the original bytes.
    let engine: GlossEngine | undefined;
    let pass: PassResult | undefined;
    let failure: unknown;
    try {
      engine = await engines.get(); // a cold engine load is paid once, not counted in the budget
      const units: PassUnit[] = [];
      if (t.prompt !== undefined)
        units.push({ messages: [{ role: 'user', content: t.prompt, path: ['prompt'] }], scan: 'all' });
      if (t.messages)
        units.push({
          messages: t.messages.map((m, i) => ({ ...m, path: ['messages', i, 'content'] })),
          scan,
        });
      pass = await glossPass(
        units,
        { detect: inThreadDetect(engines), engine, hash: sha256Text },
        { budgetMs, scanTokens, maxGlosses: options.maxGlosses },
      );
      failure = pass.error;
    } catch (e) {
      failure = e;
    }
    if (failure !== undefined) {
      // Quoted parts of a detector error may quote the prompt: redacted.
      log.error('gloss.detector_failed', { error: describeError(failure).replace(/"[^"]*"/g, '"…"') });
    }

    if (failure !== undefined || pass?.status === 'skipped-timeout') {
      finish(failure !== undefined ? 'skipped-error' : 'skipped-timeout');
      if (failure === undefined) log.warn('gloss.skipped', { reason: 'timeout', budgetMs });
      if (!failOpen) {
        const res = c.json(
          failure !== undefined
            ? errorBody('detector_error', 'the detector failed on this request')
            : errorBody('detector_timeout', `the detector took longer than its ${budgetMs} ms budget`),
          503,
        );
        setHeaders(c, report!, res);
        return res;
      }
      setBody(c, bytes, bytes.byteLength);
      await next();
      setHeaders(c, report!);
      return;
    }

    const fired: FiredReport[] = [];
    const inserted: InsertedReport[] = [];
    pass!.units.forEach((u, k) => {
      const isPrompt = k === 0 && t.prompt !== undefined;
      for (const m of u.reports)
        for (const p of m.parts) {
          const where = isPrompt ? {} : { message: m.index, part: p.part };
          for (const f of p.fired) fired.push(firedReport(engine!, f, where));
          for (const i of p.inserted) inserted.push({ rule: i.ruleId, at: i.at, gloss: i.gloss, ...where });
        }
    });
    const changed = pass!.status === 'rewritten';
    finish(changed ? 'rewritten' : 'unchanged', { fired, inserted });

    if (changed && !dryRun) {
      const out = new TextEncoder().encode(applyEdits(text, pass!.edits));
      setBody(c, out, out.byteLength);
    } else {
      setBody(c, bytes, bytes.byteLength);
    }
    await next();
    setHeaders(c, report!);
  };
}

function setHeaders(c: Context, report: GlossReport, res?: Response): void {
  const status =
    report.status === 'rewritten' || report.status === 'unchanged' ? headerStatus(report.status) : report.status;
  const set = res ? (k: string, v: string) => res.headers.set(k, v) : (k: string, v: string) => c.header(k, v);
  set('x-gloss-status', status);
  set('x-gloss-rules', report.rules.join(','));
  set('x-gloss-ms', report.ms.toFixed(2));
  if (report.dryRun) set('x-gloss-dry-run', 'true');
}
