// gloss(options): Gloss as a Hono middleware for any app. For a JSON request whose body holds a
// `prompt` string or a `messages` array, it glosses the texts before the handler runs (the handler
// sees a new Request with the rewritten body, and c.req.json() reads it), then says what it did in
// the response headers x-gloss-status, x-gloss-rules and x-gloss-ms. Everything else in the body
// stays byte-identical; requests that are not JSON, or hold neither field, pass through untouched.
//
// Fail-open (the default): a detector error, a detector over its time budget, or a body over the
// size limit forwards the original body untouched (x-gloss-status skipped-error, skipped-timeout,
// skipped-too-large). Fail-closed answers 503 instead. Web-standard Request/Response only.
import type { Context, MiddlewareHandler } from 'hono';
import type { GlossEngine } from './engine.ts';
import { DEFAULT_MAX_BODY_BYTES, isJsonContentType, readUpTo, replay } from './http/body.ts';
import { describeError, errorBody } from './http/errors.ts';
import { firedReport, headerStatus, ruleIds, type FiredReport, type InsertedReport } from './http/gloss-run.ts';
import { applyEdits } from './formats/gloss-body.ts';
import { sha256Text } from './proxy/cache.ts';
import { inThreadDetect } from './proxy/detect.ts';
import { glossPass, type PassResult, type PassUnit } from './proxy/pass.ts';
import { PROXY_DEFAULTS } from './proxy/config.ts';
import { lazyEngine } from './http/lazy-engine.ts';
import { silentLogger, type Logger } from './http/logger.ts';
import type { ChatMessage, ScanMode } from './rewrite/messages.ts';

export type GlossStatus = 'rewritten' | 'unchanged' | 'skipped-timeout' | 'skipped-error' | 'skipped-too-large';

export interface GlossOptions {
  /** Creates the engine on the first request that needs it; reused after. */
  engine: () => Promise<GlossEngine>;
  /** Which messages to scan (default 'user'). */
  scan?: ScanMode;
  /** Run the detector and set the headers, but pass the original body on (default false). */
  dryRun?: boolean;
  /** On a detector error or timeout, forward the original body (true, default) or answer 503. */
  failOpen?: boolean;
  /** Time the detector may take per request, in ms (default 50). Engine creation is not counted. */
  budgetMs?: number;
  /** Most glosses per text (default: the rules' own cap, 3). */
  maxGlosses?: number;
  /** Bodies larger than this are passed on unread past the limit (default 1 MB). */
  maxBodyBytes?: number;
  /** Most tokens detected per request, newest texts first (default 2048); older texts past it stay plain. */
  scanTokens?: number;
  logger?: Logger;
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

export function gloss(options: GlossOptions): MiddlewareHandler<{ Variables: GlossVariables }> {
  const engines = lazyEngine(options.engine);
  const scan = options.scan ?? 'user';
  const dryRun = options.dryRun ?? false;
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
