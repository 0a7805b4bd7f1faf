// The one glossing pass, shared by the proxy and the gloss() middleware: detect -> match ->
// rewrite -> string edits to splice into the original bytes.
//
//   1. collect   the texts the scan mode selects (rewriteMessages decides, with a recording detector)
//   2. recall    each text's earlier outcome from the gloss cache (keyed by the text itself)
//   3. detect    the texts never seen, newest first, under the scan limit, off the request thread
//                where the runtime allows (DetectService), raced against the time budget
//   4. rewrite   every text from what 2 and 3 said (a text not detected stays plain)
//   5. commit    once the body goes out, the outcome of every new text is remembered, plain ones
//                included, so a conversation's earlier turns keep their bytes in later requests
//                (the provider's prompt cache keeps hitting, the model sees one history).
import type { GlossEngine } from '../engine/engine.ts';
import type { StringEdit } from '../http/json-splice.ts';
import { editsOf } from '../formats/gloss-body.ts';
import type { ViewMessage } from '../formats/types.ts';
import { rewriteMessages, type MessageReport, type ScanMode } from '../rewrite/messages.ts';
import type { RewriteStatus } from '../rewrite/text.ts';
import type { FiredRule } from '../rules/match.ts';
import type { DetectionCache, HashFn } from './cache.ts';
import type { DetectService } from './detect.ts';
import type { GlossStatus } from './headers.ts';

/** What one glossing pass did to its texts as a whole: the x-gloss-status values a pass can give. */
export type PassStatus = Extract<GlossStatus, 'rewritten' | 'unchanged' | 'skipped-timeout' | 'skipped-error'>;

/** One list of messages with its scan mode (the middleware has two: `prompt` and `messages`). */
export interface PassUnit {
  messages: readonly ViewMessage[];
  scan: ScanMode;
  /** Content-part types whose `text` is scanned (default ['text']). */
  textPartTypes?: readonly string[];
}

/** Where a glossing pass detects, with which engine, and how it hashes texts for the cache. */
export interface PassDeps {
  detect: DetectService;
  /** The main thread's engine: rules for rendering, and the bundle for the cache fingerprint. */
  engine: GlossEngine;
  /** The gloss cache (none: every text is detected, and conversations are not kept stable). */
  cache?: DetectionCache;
  hash: HashFn;
}

/** A pass's limits: time budget (ms), scan limit (tokens), glosses per text. */
export interface PassOptions {
  /** Latency the pass may add, in ms, cache lookups included (Infinity: no budget). */
  budgetMs: number;
  /** Most tokens detected per request, newest texts first. */
  scanTokens: number;
  maxGlosses?: number;
  /** Keep the scanned texts (for operators who opted into prompt logging). */
  keepScanned?: boolean;
}

/** A pass's outcome: status, per-unit reports, the JSON edits to apply, timing, and the detector's error if one failed. */
export interface PassResult {
  status: PassStatus;
  /** Per unit: the rewritten messages (unchanged ones are the same objects) and per-message reports. */
  units: { messages: ViewMessage[]; reports: MessageReport[]; status: RewriteStatus }[];
  /** Where detection's time went, summed over the texts detected now, ms. */
  timing: { tokenize: number; detect: number; match: number };
  /** String edits that turn the original body into the glossed one. */
  edits: StringEdit[];
  /** Distinct rule ids that fired, in order of first appearance. */
  rules: string[];
  inserted: number;
  /** Texts selected, texts answered from the cache, texts the scan limit left out. */
  texts: number;
  cacheHits: number;
  unscanned: number;
  /** Time in detection (the DetectService call), ms. */
  detectMs: number;
  /** The detector's error (status skipped-error). */
  error?: unknown;
  scanned: string[];
  /** Remembers the outcome of every new text; call once the body has gone out as the pass said. */
  commit(): void;
}

const TIMEOUT = Symbol('timeout');
const NO_RULES = new Map();

const fingerprints = new WeakMap<GlossEngine, string>();

/** The bundle's identity: cached outcomes never outlive the model and rules that produced them. */
function fingerprint(e: GlossEngine, maxGlosses: number | undefined): string {
  let f = fingerprints.get(e);
  if (f === undefined) {
    const files = e.bundle.manifest.files;
    f = [
      e.bundle.manifest.name,
      ...Object.keys(files)
        .sort()
        .map((n) => files[n].sha256),
    ].join('\u0000');
    fingerprints.set(e, f);
  }
  return `${f}\u0000${maxGlosses ?? ''}`;
}

/** Resolves with TIMEOUT after `ms` (never, for Infinity), and aborts `ctl` then. */
function deadline(ms: number, ctl: AbortController): { promise: Promise<typeof TIMEOUT>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<typeof TIMEOUT>((resolve) => {
    if (!Number.isFinite(ms)) return;
    timer = setTimeout(
      () => {
        resolve(TIMEOUT); // first, so the race reads a timeout, not the abort's rejection
        ctl.abort(new Error('detection budget spent'));
      },
      Math.max(0, ms),
    );
  });
  return { promise, clear: () => timer !== undefined && clearTimeout(timer) };
}

/**
 * Runs the glossing pass over `units`. Never throws for detector trouble: a detector error or a
 * spent budget leaves the new texts plain and says so in `status` (the caller picks fail-open or
 * fail-closed); texts already seen keep their earlier outcome either way.
 */
export async function glossPass(units: readonly PassUnit[], deps: PassDeps, opts: PassOptions): Promise<PassResult> {
  const t0 = performance.now();
  const { engine, cache } = deps;

  // 1. collect
  const texts: string[] = [];
  for (const u of units) {
    await rewriteMessages(
      u.messages,
      async (t) => {
        texts.push(t);
        return { fired: [], rules: NO_RULES };
      },
      { scan: u.scan, textPartTypes: u.textPartTypes },
    );
  }
  const unique = [...new Set(texts)];

  // 2. recall
  const known = new Map<string, readonly FiredRule[]>();
  const keys = new Map<string, string>();
  let cacheHits = 0;
  if (cache) {
    const fp = fingerprint(engine, opts.maxGlosses);
    for (const t of unique) {
      const k = await deps.hash(`${fp}\u0000${t}`);
      keys.set(t, k);
      const hit = await cache.get(k);
      if (hit) {
        known.set(t, hit);
        cacheHits++;
      }
    }
  }

  // 3. detect: new texts, newest first
  const fresh = unique.filter((t) => !known.has(t)).reverse();
  const decided = new Map<string, readonly FiredRule[]>();
  let status: PassStatus = 'unchanged';
  let error: unknown;
  let unscanned = 0;
  let detectMs = 0;
  const timing = { tokenize: 0, detect: 0, match: 0 };
  if (fresh.length) {
    const ctl = new AbortController();
    const d = deadline(opts.budgetMs - (performance.now() - t0), ctl);
    const d0 = performance.now();
    const work = deps.detect.detect(
      { texts: fresh, maxTokens: opts.scanTokens, maxGlosses: opts.maxGlosses },
      ctl.signal,
    );
    work.catch(() => {}); // abandoned on timeout: its rejection is nobody's
    try {
      const answers = await Promise.race([work, d.promise]);
      if (answers === TIMEOUT) status = 'skipped-timeout';
      else
        fresh.forEach((t, i) => {
          const a = answers[i];
          if (a === null || a === undefined) unscanned++;
          else for (const k of ['tokenize', 'detect', 'match'] as const) timing[k] += a.timing?.[k] ?? 0;
          decided.set(t, a?.fired ?? []);
        });
    } catch (e) {
      if (ctl.signal.aborted) status = 'skipped-timeout';
      else {
        status = 'skipped-error';
        error = e;
      }
    } finally {
      d.clear();
      detectMs = performance.now() - d0;
    }
    // Timed out or failed: every new text goes out plain, and is remembered so.
    if (status !== 'unchanged') for (const t of fresh) decided.set(t, []);
  }

  // 4. rewrite
  const outcome = (t: string) => known.get(t) ?? decided.get(t) ?? [];
  const results: PassResult['units'] = [];
  const edits: StringEdit[] = [];
  const rules = new Set<string>();
  let inserted = 0;
  let rewritten = false;
  for (const u of units) {
    const r = await rewriteMessages(u.messages, async (t) => ({ fired: outcome(t), rules: engine.rulesById }), {
      scan: u.scan,
      textPartTypes: u.textPartTypes,
    });
    results.push({ messages: r.messages, reports: r.reports, status: r.status });
    edits.push(...editsOf(u.messages, r.messages));
    if (r.status === 'rewritten') rewritten = true;
    for (const m of r.reports)
      for (const p of m.parts) {
        for (const f of p.fired) rules.add(f.ruleId);
        inserted += p.inserted.length;
      }
  }
  if (status === 'unchanged' && rewritten) status = 'rewritten';

  let committed = false;
  return {
    status,
    units: results,
    timing,
    edits,
    rules: [...rules],
    inserted,
    texts: unique.length,
    cacheHits,
    unscanned,
    detectMs,
    error,
    scanned: opts.keepScanned ? unique : [],
    commit() {
      if (committed || !cache) return;
      committed = true;
      for (const [t, fired] of decided) {
        const k = keys.get(t)!;
        // First outcome wins: a concurrent request may have sent this text already.
        void (async () => {
          if ((await cache.get(k)) === undefined) await cache.set(k, [...fired]);
        })().catch(() => {});
      }
    },
  };
}
