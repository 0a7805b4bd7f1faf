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
import { deadlineIn, DeadlineExpired, type Deadline } from './deadline.ts';
import type { DetectService } from './detect.ts';
import type { GlossStatus } from './headers.ts';

/** What one glossing pass did to its texts as a whole: the x-gloss-status values a pass can give. */
export type PassStatus = Extract<
  GlossStatus,
  'rewritten' | 'unchanged' | 'skipped-timeout' | 'skipped-error' | 'skipped-scan-limit'
>;

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
  /** The misreading families to gloss (MatchOptions.families; absent: the bundle's on families). */
  families?: readonly string[];
  /** Keep the scanned texts (for operators who opted into prompt logging). */
  keepScanned?: boolean;
  /** The request's one deadline, when the caller started it earlier (default: budgetMs from now). */
  deadline?: Deadline;
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
  /**
   * Remembers the outcome of every new text; call once the body has gone out as the pass said
   * (`plain`: it went out unglossed after all, e.g. it could not be spliced, and is remembered so).
   */
  commit(sent?: 'as-decided' | 'plain'): void;
}

const TIMEOUT = Symbol('timeout');
const NO_RULES = new Map();

const fingerprints = new WeakMap<GlossEngine, string>();

/**
 * The bundle's identity and the match options: cached outcomes never outlive the model and rules
 * that produced them, nor answer a request that asked for other families or another cap.
 */
function fingerprint(e: GlossEngine, opts: Pick<PassOptions, 'maxGlosses' | 'families'>): string {
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
  const families = opts.families ? [...new Set(opts.families)].sort().join(',') : '*';
  return `${f}\u0000${opts.maxGlosses ?? ''}\u0000${families}`;
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

/** Step 1: the distinct texts the units' scan modes select, in order of first appearance. */
async function collect(units: readonly PassUnit[], clock: Deadline): Promise<string[]> {
  const texts: string[] = [];
  for (const u of units) {
    await rewriteMessages(
      u.messages,
      async (t) => {
        texts.push(t);
        return { fired: [], rules: NO_RULES };
      },
      { scan: u.scan, textPartTypes: u.textPartTypes, pace: clock.pace },
    );
  }
  return [...new Set(texts)];
}

/** What step 2 found in the gloss cache: earlier outcomes by text, and each text's cache key. */
interface Recalled {
  known: Map<string, readonly FiredRule[]>;
  keys: Map<string, string>;
  hits: number;
  /** The deadline passed among the lookups (the texts looked up are in `keys`). */
  expired?: boolean;
}

/** Step 2: each text's earlier outcome from the gloss cache (nothing without a cache). */
async function recall(
  texts: readonly string[],
  deps: PassDeps,
  opts: Pick<PassOptions, 'maxGlosses' | 'families'>,
  clock: Deadline,
): Promise<Recalled> {
  const r: Recalled = { known: new Map(), keys: new Map(), hits: 0 };
  const { cache } = deps;
  if (!cache) return r;
  const fp = fingerprint(deps.engine, opts);
  for (const t of texts) {
    try {
      const p = clock.pace();
      if (p) await p;
    } catch (e) {
      if (!(e instanceof DeadlineExpired)) throw e;
      r.expired = true;
      return r;
    }
    const k = await deps.hash(`${fp}\u0000${t}`);
    r.keys.set(t, k);
    const hit = await cache.get(k);
    if (hit) {
      r.known.set(t, hit);
      r.hits++;
    }
  }
  return r;
}

/** What step 3 decided for the texts never seen before. */
interface Detected {
  status: PassStatus;
  /** Every fresh text's fired rules (none for a text left plain). */
  decided: Map<string, readonly FiredRule[]>;
  error?: unknown;
  unscanned: number;
  detectMs: number;
  timing: PassResult['timing'];
}

/**
 * Step 3: the fresh texts (newest first) through the DetectService, raced against what is left of
 * the budget after `t0`. Timed out or failed: every fresh text goes out plain, and is remembered so.
 */
async function detectFresh(
  fresh: string[],
  deps: PassDeps,
  opts: PassOptions,
  clock: Deadline,
  reserve: number,
): Promise<Detected> {
  const d: Detected = {
    status: 'unchanged',
    decided: new Map(),
    unscanned: 0,
    detectMs: 0,
    timing: { tokenize: 0, detect: 0, match: 0 },
  };
  if (!fresh.length) return d;
  const ctl = new AbortController();
  const dl = deadline(clock.left() - reserve, ctl);
  const d0 = performance.now();
  const work = deps.detect.detect(
    { texts: fresh, maxTokens: opts.scanTokens, maxGlosses: opts.maxGlosses, families: opts.families },
    ctl.signal,
  );
  work.catch(() => {}); // abandoned on timeout: its rejection is nobody's
  try {
    const answers = await Promise.race([work, dl.promise]);
    if (answers === TIMEOUT) d.status = 'skipped-timeout';
    else
      fresh.forEach((t, i) => {
        const a = answers[i];
        if (a === null || a === undefined) d.unscanned++;
        else for (const k of ['tokenize', 'detect', 'match'] as const) d.timing[k] += a.timing?.[k] ?? 0;
        d.decided.set(t, a?.fired ?? []);
      });
  } catch (e) {
    if (ctl.signal.aborted) d.status = 'skipped-timeout';
    else {
      d.status = 'skipped-error';
      d.error = e;
    }
  } finally {
    dl.clear();
    d.detectMs = performance.now() - d0;
  }
  if (d.status !== 'unchanged') for (const t of fresh) d.decided.set(t, []);
  return d;
}

/** Step 4: every unit rewritten from the outcomes (a text not detected stays plain), with the edits and the rules that fired. */
async function rewriteUnits(
  units: readonly PassUnit[],
  engine: GlossEngine,
  outcome: (text: string) => readonly FiredRule[],
  clock: Deadline,
): Promise<Pick<PassResult, 'units' | 'edits' | 'rules' | 'inserted'> & { rewritten: boolean }> {
  const results: PassResult['units'] = [];
  const edits: StringEdit[] = [];
  const rules = new Set<string>();
  let inserted = 0;
  let rewritten = false;
  for (const u of units) {
    const r = await rewriteMessages(u.messages, async (t) => ({ fired: outcome(t), rules: engine.rulesById }), {
      scan: u.scan,
      textPartTypes: u.textPartTypes,
      pace: clock.pace,
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
  return { units: results, edits, rules: [...rules], inserted, rewritten };
}

/**
 * Step 5, as a function the caller runs once the body has gone out: remembers the outcome of every
 * new text. First outcome wins: a concurrent request may have sent a text already.
 */
function committer(cache: DetectionCache | undefined, decided: Detected['decided'], keys: Recalled['keys']) {
  let committed = false;
  return (sent: 'as-decided' | 'plain' = 'as-decided') => {
    if (committed || !cache) return;
    committed = true;
    const entries = [...decided].map(([t, fired]) => [keys.get(t), sent === 'plain' ? [] : fired] as const);
    // Off the response's path and sliced: a request with many new texts never holds the loop here.
    void (async () => {
      const slices = deadlineIn(Infinity);
      for (const [k, fired] of entries) {
        if (k === undefined) continue;
        const p = slices.pace();
        if (p) await p;
        if ((await cache.get(k)) === undefined) await cache.set(k, [...fired]);
      }
    })().catch(() => {});
  };
}

/**
 * The share of the budget kept back from detection for the steps after it (rewrite, splice), so a
 * detection that runs out of time still leaves room to send the earlier turns' reused glosses.
 */
function reserveMs(budgetMs: number): number {
  return Number.isFinite(budgetMs) ? Math.min(budgetMs * 0.2, 20) : 0;
}

/** A pass that ran out of time before its rewrite: no edits, every text looked up and new remembered plain. */
function timedOut(
  units: readonly PassUnit[],
  deps: PassDeps,
  texts: number,
  r: Recalled,
  fresh: Iterable<string>,
): PassResult {
  const decided = new Map<string, readonly FiredRule[]>();
  for (const t of fresh) decided.set(t, []);
  return {
    status: 'skipped-timeout',
    units: units.map((u) => ({ messages: [...u.messages], reports: [], status: 'unchanged' })),
    timing: { tokenize: 0, detect: 0, match: 0 },
    edits: [],
    rules: [],
    inserted: 0,
    texts,
    cacheHits: r.hits,
    unscanned: 0,
    detectMs: 0,
    scanned: [],
    commit: committer(deps.cache, decided, r.keys),
  };
}

/**
 * Runs the glossing pass over `units`. Never throws for detector trouble: a detector error or a
 * spent budget leaves the new texts plain and says so in `status` (the caller picks fail-open or
 * fail-closed); texts already seen keep their earlier outcome either way. Every step runs under
 * one deadline (`opts.deadline`, else `budgetMs` from now) and yields to the event loop as it goes:
 * a walk that runs out of time ends the pass with `skipped-timeout` and no edits.
 */
export async function glossPass(units: readonly PassUnit[], deps: PassDeps, opts: PassOptions): Promise<PassResult> {
  const clock = opts.deadline ?? deadlineIn(opts.budgetMs);
  const none: Recalled = { known: new Map(), keys: new Map(), hits: 0 };
  let unique: string[];
  try {
    unique = await collect(units, clock);
  } catch (e) {
    if (e instanceof DeadlineExpired) return timedOut(units, deps, 0, none, []);
    throw e;
  }
  const r = await recall(unique, deps, opts, clock);
  const { known, keys, hits } = r;
  if (r.expired)
    return timedOut(
      units,
      deps,
      unique.length,
      r,
      [...keys.keys()].filter((t) => !known.has(t)),
    );
  const fresh = unique.filter((t) => !known.has(t)).reverse();
  // A reserve for the rewrite only where there are reused glosses to send.
  const d = await detectFresh(fresh, deps, opts, clock, known.size ? reserveMs(opts.budgetMs) : 0);
  let w;
  try {
    w = await rewriteUnits(units, deps.engine, (t) => known.get(t) ?? d.decided.get(t) ?? [], clock);
  } catch (e) {
    if (e instanceof DeadlineExpired) return timedOut(units, deps, unique.length, r, fresh);
    throw e;
  }
  let status: PassStatus = d.status === 'unchanged' && w.rewritten ? 'rewritten' : d.status;
  // Nothing was detected because the scan limit left every new text out.
  if (status === 'unchanged' && fresh.length > 0 && d.unscanned === fresh.length) status = 'skipped-scan-limit';
  return {
    status,
    units: w.units,
    timing: d.timing,
    edits: w.edits,
    rules: w.rules,
    inserted: w.inserted,
    texts: unique.length,
    cacheHits: hits,
    unscanned: d.unscanned,
    detectMs: d.detectMs,
    error: d.error,
    scanned: opts.keepScanned ? unique : [],
    commit: committer(deps.cache, d.decided, keys),
  };
}
