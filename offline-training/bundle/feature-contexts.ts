// Top activating contexts and a generated label for every column of a bundle's SAE head, from
// held-out text: run the bundle's own detector + head over the texts, keep for each column the k
// texts where it peaks highest (one context per text, a window around the peak token), and count
// the words it fires on (activation > 0 after JumpReLU) and in which corpus. The label says what
// the latent fires on: 'fires on "per", "each", "every" (312 tokens, 90% in math problems)'.
import type { TopContext } from '../mine/contexts.ts';

/** A held-out text, with the corpus it comes from (named in labels and contexts). */
export interface HeldOutText {
  id: string;
  text: string;
  /** Short corpus name, e.g. 'gsm8k', 'vua', 'chat'. */
  corpus: string;
}

/** One text's per-token head activations: offsets into the text and row-major [tokens, width]. */
export interface ColumnActivations {
  offsets: readonly (readonly [number, number])[];
  acts: Float32Array;
  width: number;
}

/**
 * A context as features.json stores it (TopContextSchema plus `token` and `source`): the same shape
 * as mining's top contexts; `start`/`end` are UTF-16 offsets of the peak token's word inside `text`,
 * `source` is `<corpus>:<id>` of the held-out text.
 */
export type StoredContext = TopContext;

/** What one column fires on over the held-out texts. */
export interface ColumnSummary {
  contexts: StoredContext[];
  label: string;
  /** Tokens with activation > 0, texts with at least one, and firing tokens per corpus. */
  firing: { tokens: number; texts: number; byCorpus: Record<string, number> };
}

/** How many contexts and how wide; defaults keep features.json near 1 KB a feature. */
export interface ContextOptions {
  k?: number;
  /** Characters kept on each side of the peak word (cut back to a word boundary). */
  windowChars?: number;
  /** Corpus name -> how labels name it ('gsm8k' -> 'math problems'). */
  corpusNames?: Record<string, string>;
}

interface Column {
  top: { v: number; text: number; start: number; end: number }[];
  words: Map<string, { n: number; sum: number }>;
  tokens: number;
  texts: number;
  byCorpus: Map<string, number>;
  /** Texts per corpus with at least one firing token. */
  textsByCorpus: Map<string, number>;
}

/**
 * Summarises every column over `texts` (run one by one through `run`, which must give the bundle's
 * head activations). Deterministic for the same activations. Throws what `run` throws.
 */
export async function summariseColumns(
  run: (text: string) => Promise<ColumnActivations>,
  texts: readonly HeldOutText[],
  columns: number,
  opts: ContextOptions = {},
): Promise<ColumnSummary[]> {
  const k = opts.k ?? 5;
  const cols: Column[] = Array.from({ length: columns }, () => ({
    top: [],
    words: new Map(),
    tokens: 0,
    texts: 0,
    byCorpus: new Map(),
    textsByCorpus: new Map(),
  }));
  const totals = new Map<string, number>();
  for (const t of texts) totals.set(t.corpus, (totals.get(t.corpus) ?? 0) + 1);
  for (let ti = 0; ti < texts.length; ti++) {
    const { text, corpus } = texts[ti];
    const r = await run(text);
    for (let c = 0; c < columns && c < r.width; c++) addText(cols[c], r, c, ti, text, corpus, k);
  }
  return cols.map((col) => ({
    contexts: col.top.map((t) => context(texts[t.text], t, opts.windowChars ?? 45)),
    label: labelOf(col, totals, opts.corpusNames ?? {}),
    firing: { tokens: col.tokens, texts: col.texts, byCorpus: Object.fromEntries(col.byCorpus) },
  }));
}

function addText(col: Column, r: ColumnActivations, c: number, ti: number, text: string, corpus: string, k: number) {
  let best = -1;
  let bestV = 0;
  let fired = 0;
  for (let t = 0; t < r.offsets.length; t++) {
    const v = r.acts[t * r.width + c];
    const [s, e] = r.offsets[t];
    if (!(v > 0) || e <= s || e > text.length) continue;
    fired++;
    const w = wordAt(text, s, e);
    const key = text.slice(w.start, w.end).toLowerCase();
    const stat = col.words.get(key) ?? { n: 0, sum: 0 };
    stat.n++;
    stat.sum += v;
    col.words.set(key, stat);
    if (v > bestV) {
      bestV = v;
      best = t;
    }
  }
  if (!fired) return;
  col.tokens += fired;
  col.texts++;
  col.byCorpus.set(corpus, (col.byCorpus.get(corpus) ?? 0) + fired);
  col.textsByCorpus.set(corpus, (col.textsByCorpus.get(corpus) ?? 0) + 1);
  if (col.top.length === k && bestV <= col.top[k - 1].v) return;
  const w = wordAt(text, r.offsets[best][0], r.offsets[best][1]);
  col.top.push({ v: bestV, text: ti, ...w });
  col.top.sort((a, b) => b.v - a.v || a.text - b.text);
  if (col.top.length > k) col.top.pop();
}

const WORD = /[\p{L}\p{N}'’]/u;

/** The word around `[s, e)` (letters, digits, apostrophes), or the token itself for punctuation. */
function wordAt(text: string, s: number, e: number): { start: number; end: number } {
  let start = s;
  let end = e;
  if (!WORD.test(text.slice(s, e))) return { start: s, end: Math.min(e, s + 12) };
  while (start > 0 && WORD.test(text[start - 1]) && s - start < 20) start--;
  while (end < text.length && WORD.test(text[end]) && end - e < 20) end++;
  // Leading space of a byte-level piece is not part of the word.
  while (start < end && /\s/.test(text[start])) start++;
  return { start, end };
}

function context(src: HeldOutText, t: Column['top'][number], windowChars: number): StoredContext {
  const text = src.text;
  let from = Math.max(0, t.start - windowChars);
  let to = Math.min(text.length, t.end + windowChars);
  // Cut back to word boundaries so a context never starts or ends mid-word.
  if (from > 0) {
    const sp = text.indexOf(' ', from);
    if (sp >= 0 && sp < t.start) from = sp + 1;
  }
  if (to < text.length) {
    const sp = text.lastIndexOf(' ', to);
    if (sp > t.end) to = sp;
  }
  const pre = from > 0 ? '…' : '';
  return {
    text: pre + text.slice(from, to) + (to < text.length ? '…' : ''),
    start: pre.length + t.start - from,
    end: pre.length + t.end - from,
    token: text.slice(t.start, t.end),
    activation: Math.round(t.v * 1e3) / 1e3,
    source: `${src.corpus}:${src.id}`,
  };
}

/** 'fires on "per", "each", "every" (312 tokens; in 41% of math problems, 2% of prose (VUA))': corpora by share of their texts. */
function labelOf(col: Column, totals: ReadonlyMap<string, number>, names: Record<string, string>): string {
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  if (!col.tokens) return `never fired on the ${all.toLocaleString('en-US')} held-out texts`;
  const words = [...col.words.entries()]
    .sort((a, b) => b[1].n - a[1].n || b[1].sum - a[1].sum || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([w]) => `"${w}"`);
  const rates = [...totals.entries()]
    .map(([c, n]) => ({ c, r: (col.textsByCorpus.get(c) ?? 0) / n }))
    .sort((a, b) => b.r - a.r || (a.c < b.c ? -1 : 1))
    .map(({ c, r }) => `${r > 0 && r < 0.01 ? '<1' : Math.round(100 * r)}% of ${names[c] ?? c}`);
  return `fires on ${words.join(', ')} (${col.tokens} tokens; in ${rates.join(', ')})`;
}

/** A features.json entry as this module rewrites it (FeatureInfoSchema is loose: `role` is extra). */
export interface LabelledFeature {
  column: number;
  feature: number;
  label: string;
  threshold: number;
  /** What the bundle uses the latent for ('task-gate latent (math-word-problem)'), the old label. */
  role?: string;
  top_contexts?: StoredContext[];
}

/**
 * `features` with each column's generated label and held-out top contexts; the label it had becomes
 * `role` (kept when already set). Columns without a summary are left as they are.
 */
export function applySummaries<F extends LabelledFeature>(
  features: readonly F[],
  summaries: readonly ColumnSummary[],
): F[] {
  return features.map((f) => {
    const s = summaries[f.column];
    if (!s) return f;
    return { ...f, role: f.role ?? f.label, label: s.label, top_contexts: s.contexts };
  });
}
