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
import {
  glossMessages,
  glossPrompt,
  headerStatus,
  ruleIds,
  type FiredReport,
  type GlossRun,
  type InsertedReport,
} from './http/gloss-run.ts';
import { spliceStrings, type StringEdit } from './http/json-splice.ts';
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
const TIMEOUT = Symbol('timeout');

function withBudget<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  if (!Number.isFinite(ms)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, ms));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

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

/** The string edits that turn the original body into the glossed one. */
function edits(t: Target, prompt: GlossRun | undefined, messages: GlossRun | undefined): StringEdit[] {
  const out: StringEdit[] = [];
  if (prompt?.prompt !== undefined && prompt.prompt !== t.prompt) out.push({ path: ['prompt'], value: prompt.prompt });
  const after = messages?.messages;
  if (after && t.messages) {
    after.forEach((m, i) => {
      const before = t.messages![i];
      if (m === before) return; // rewriteMessages keeps unchanged messages as the same object
      if (typeof m.content === 'string') out.push({ path: ['messages', i, 'content'], value: m.content });
      else if (Array.isArray(m.content)) {
        const old = before.content as readonly { text?: unknown }[];
        m.content.forEach((p, j) => {
          if (p !== old[j] && typeof p.text === 'string')
            out.push({ path: ['messages', i, 'content', j, 'text'], value: p.text });
        });
      }
    });
  }
  return out;
}

export function gloss(options: GlossOptions): MiddlewareHandler<{ Variables: GlossVariables }> {
  const engines = lazyEngine(options.engine);
  const scan = options.scan ?? 'user';
  const dryRun = options.dryRun ?? false;
  const failOpen = options.failOpen ?? true;
  const budgetMs = options.budgetMs ?? 50;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const match = { maxGlosses: options.maxGlosses };
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

    const original = t;
    const work = (async () => {
      const engine = await engines.get();
      const detect = (async () => {
        const p = original.prompt !== undefined ? await glossPrompt(engine, original.prompt, match) : undefined;
        const m = original.messages ? await glossMessages(engine, original.messages, scan, match) : undefined;
        return { p, m };
      })();
      // The budget counts detection only: a cold engine load is paid once, not per request.
      return withBudget(detect, budgetMs);
    })();

    let outcome: Awaited<typeof work> | undefined;
    let failed = false;
    try {
      outcome = await work;
    } catch (e) {
      failed = true;
      // Quoted parts of a detector error may quote the prompt: redacted.
      log.error('gloss.detector_failed', { error: describeError(e).replace(/"[^"]*"/g, '"…"') });
    }

    if (failed || outcome === TIMEOUT) {
      finish(failed ? 'skipped-error' : 'skipped-timeout');
      if (!failed) log.warn('gloss.skipped', { reason: 'timeout', budgetMs });
      if (!failOpen) {
        const res = c.json(
          failed
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

    const { p, m } = outcome!;
    const fired = [...(p?.fired ?? []), ...(m?.fired ?? [])];
    const inserted = [...(p?.inserted ?? []), ...(m?.inserted ?? [])];
    const changed = p?.status === 'rewritten' || m?.status === 'rewritten';
    finish(changed ? 'rewritten' : 'unchanged', { fired, inserted });

    if (changed && !dryRun) {
      let body = spliceStrings(text, edits(original, p, m));
      if (body === undefined) {
        // Ambiguous source (duplicate keys): re-serialize the parsed body with the new texts.
        const json = JSON.parse(text) as Record<string, unknown>;
        if (p?.prompt !== undefined) json.prompt = p.prompt;
        if (m?.messages) json.messages = m.messages;
        body = JSON.stringify(json);
      }
      const out = new TextEncoder().encode(body);
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
