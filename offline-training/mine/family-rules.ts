// Family rules: for each misreading family, the SAE latents that fire on that family's
// phrases in math word problems (token precision against every other token of those problems),
// a token-correlate test (fires when the phrase's words are injected into general text? silent
// when the math phrase is paraphrased?), and the association of the latent with labelled
// misreadings of its family in the outcome rows of the mining split, pooled over the models with
// the model as a stratum.
import type { MisreadingFamily } from '../../src/core/rules/schema.ts';
import type { FeatureRunner } from '../sae/feature-runner.ts';
import { cuesOf, labelMisreadings, type Misreading } from './misreadings.ts';
import { mantelHaenszel, mhOddsRatio, type Table2x2 } from '../learn/stats.ts';
import { mulberry32 } from '../util/random.ts';

/** Token activations of one latent with the family of the cue phrase the token is in (or none). */
interface TokenHit {
  a: number;
  family: MisreadingFamily | null;
  word: string;
}

/**
 * A latent mined as a rule candidate for one misreading family, with its firing threshold (activation units)
 * and its token precision/recall on the family's cue phrases, rates in [0, 1].
 */
export interface FamilyCandidate {
  family: MisreadingFamily;
  feature: number;
  threshold: number;
  /** On the math texts' tokens at the threshold. */
  precision: number;
  recall: number;
  /** Words the latent fires on inside the family's phrases, most frequent first. */
  words: string[];
  /** Share of general-text sentences where the latent fires at the threshold. */
  negativeRate: number;
  tokenTest?: { injectionRate: number; paraphraseRate: number; correlate: boolean };
  misreadings?: MisreadingEvidence;
}

/**
 * How a candidate latent's firing relates to labelled misreadings and failures on the mining split of the
 * outcome rows (Mantel-Haenszel over model strata; Robins, Breslow & Greenland 1986 intervals).
 */
export interface MisreadingEvidence {
  /** Outcome rows (question x model) of the mining split. */
  rows: number;
  /** Rows whose model misread this family. */
  misread: number;
  /** Of those, rows where the latent fires on the question. */
  misreadFired: number;
  /** Rows where the latent fires. */
  fired: number;
  /** Mantel-Haenszel odds ratio of a misreading of this family when the latent fires, strata = model. */
  or: number;
  lo: number;
  hi: number;
  p: number;
  /**
   * Odds of any failure when the latent fires vs not, Mantel-Haenszel over model strata: the
   * misreading counts are circular (a label needs the phrase the latent fires on), this is not.
   */
  failureOr: [number, number, number];
  /** Cochran-Mantel-Haenszel p-value of that failure association. */
  failureP: number;
  examples: { question: string; model: string; phrase: string; why: string }[];
}

/** Word (whitespace-delimited, punctuation trimmed) around the token at [s, e). */
function wordAt(text: string, s: number, e: number): string {
  let a = s;
  let b = e;
  while (a > 0 && !/\s/.test(text[a - 1])) a--;
  while (b < text.length && !/\s/.test(text[b])) b++;
  return text
    .slice(a, b)
    .replace(/^[^\w$%]+|[^\w%]+$/g, '')
    .toLowerCase();
}

/**
 * Scans math texts and collects, for every latent, its activations on tokens and whether each
 * token lies in a cue phrase of some family. Returns per-latent hit lists (only tokens it fired on)
 * and the number of cue tokens per family (recall's denominator).
 */
export async function scanCues(
  runner: FeatureRunner,
  texts: readonly string[],
): Promise<{ hits: Map<number, TokenHit[]>; cueTokens: Map<MisreadingFamily, number> }> {
  const m = runner.width;
  const hits = new Map<number, TokenHit[]>();
  const cueTokens = new Map<MisreadingFamily, number>();
  for (const text of texts) {
    const cues = cuesOf(text);
    const r = await runner.run(text);
    for (let t = 0; t < r.ids.length; t++) {
      const [s, e] = r.offsets[t];
      if (e <= s) continue;
      const cue = cues.find((c) => s < c.end && e > c.start);
      const family = cue?.family ?? null;
      if (family) cueTokens.set(family, (cueTokens.get(family) ?? 0) + 1);
      let word: string | undefined;
      for (let j = 0; j < m; j++) {
        const a = r.acts[t * m + j];
        if (!(a > 0)) continue;
        word ??= wordAt(text, s, e);
        let list = hits.get(j);
        if (!list) hits.set(j, (list = []));
        list.push({ a, family, word });
      }
    }
  }
  return { hits, cueTokens };
}

/**
 * Best latents per family: the threshold (among the latent's own activation quantiles) that
 * reaches `minPrecision` on family tokens with the largest recall; at most `perFamily` latents.
 */
export function pickCandidates(
  hits: Map<number, TokenHit[]>,
  cueTokens: Map<MisreadingFamily, number>,
  families: readonly MisreadingFamily[],
  opts: { minPrecision?: number; minRecall?: number; perFamily?: number; minSupport?: number } = {},
): FamilyCandidate[] {
  const minP = opts.minPrecision ?? 0.8;
  const minR = opts.minRecall ?? 0.05;
  const minSupport = opts.minSupport ?? 20;
  const out: FamilyCandidate[] = [];
  for (const family of families) {
    const total = cueTokens.get(family) ?? 0;
    if (total < minSupport) continue;
    const best: FamilyCandidate[] = [];
    for (const [feature, list] of hits) {
      const inFam = list.filter((h) => h.family === family);
      if (inFam.length < minSupport) continue;
      const sorted = [...list].sort((x, y) => y.a - x.a);
      // Walk thresholds from high to low: precision at each cut, keep the largest recall >= minP.
      let tp = 0;
      let pick: { t: number; p: number; r: number } | undefined;
      for (let i = 0; i < sorted.length; i++) {
        if (sorted[i].family === family) tp++;
        if (i + 1 < sorted.length && sorted[i + 1].a === sorted[i].a) continue;
        const p = tp / (i + 1);
        const r = tp / total;
        if (p >= minP && r >= minR && tp >= minSupport && (!pick || r > pick.r)) pick = { t: sorted[i].a, p, r };
      }
      if (!pick) continue;
      const counts = new Map<string, number>();
      for (const h of inFam) if (h.a >= pick.t) counts.set(h.word, (counts.get(h.word) ?? 0) + 1);
      const words = [...counts.entries()]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
        .slice(0, 5)
        .map(([w]) => w);
      best.push({
        family,
        feature,
        threshold: +pick.t.toFixed(4),
        precision: +pick.p.toFixed(4),
        recall: +pick.r.toFixed(4),
        words,
        negativeRate: 0,
      });
    }
    best.sort((x, y) => y.recall * y.precision - x.recall * x.precision || x.feature - y.feature);
    out.push(...best.slice(0, opts.perFamily ?? 2));
  }
  return out;
}

/** Share of texts on which the latent reaches the threshold anywhere (or inside [from, to) per text). */
async function fireRate(
  runner: FeatureRunner,
  texts: readonly { text: string; from?: number; to?: number }[],
  feature: number,
  threshold: number,
): Promise<number> {
  if (!texts.length) return 0;
  const m = runner.width;
  let n = 0;
  for (const x of texts) {
    const r = await runner.run(x.text);
    for (let t = 0; t < r.ids.length; t++) {
      const [s, e] = r.offsets[t];
      if (x.from !== undefined && !(s < x.to! && e > x.from)) continue;
      if (r.acts[t * m + feature] >= threshold) {
        n++;
        break;
      }
    }
  }
  return n / texts.length;
}

/** Paraphrases of cue words that keep the meaning (the latent should still fire on them). */
const PARAPHRASE: [RegExp, string][] = [
  [/\btwice\b/gi, 'two times'],
  [/\bdouble\b/gi, 'two times'],
  [/\btriple\b/gi, 'three times'],
  [/\bhalf\b/gi, 'one half'],
  [/\bper\b/gi, 'for each'],
  [/\beach\b/gi, 'per'],
  [/%/g, ' percent'],
  [/\bpercent\b/gi, '%'],
  [/\baverage\b/gi, 'mean'],
  [/\bfewer\b/gi, 'less'],
  [/\bless\b/gi, 'fewer'],
  [/\bmore than\b/gi, 'greater than'],
  [/\bconsecutive\b/gi, 'successive'],
  [/\bratio\b/gi, 'proportion'],
  [/\btogether\b/gi, 'jointly'],
  [/\bevery other\b/gi, 'every second'],
  [/\btimes\b/gi, 'times'],
];

/**
 * Token-correlate test ("Do Sparse Autoencoders Identify Reasoning Features?", 2026): inject the
 * latent's words into general sentences (fires there -> it tracks the word, not the math) and
 * paraphrase its math phrases (silent there -> it tracks the word). `correlate` when the injection
 * fires on more than half the sentences or the paraphrase on less than a third of the phrases.
 */
export async function tokenTest(
  runner: FeatureRunner,
  c: FamilyCandidate,
  general: readonly string[],
  mathTexts: readonly string[],
  seed = 5,
): Promise<NonNullable<FamilyCandidate['tokenTest']>> {
  const rand = mulberry32(seed);
  const injected: { text: string; from: number; to: number }[] = [];
  for (let i = 0; i < Math.min(60, general.length); i++) {
    const words = general[i].split(' ');
    const w = c.words[i % c.words.length];
    const at = 1 + Math.floor(rand() * Math.max(1, words.length - 1));
    const before = words.slice(0, at).join(' ') + ' ';
    injected.push({
      text: before + w + ' ' + words.slice(at).join(' '),
      from: before.length,
      to: before.length + w.length,
    });
  }
  const para: { text: string; from: number; to: number }[] = [];
  for (const text of mathTexts) {
    const cue = cuesOf(text).find((h) => h.family === c.family);
    if (!cue) continue;
    const phrase = text.slice(cue.start, cue.end);
    let changed = phrase;
    for (const [re, sub] of PARAPHRASE) changed = changed.replace(re, sub);
    if (changed === phrase) continue;
    para.push({
      text: text.slice(0, cue.start) + changed + text.slice(cue.end),
      from: cue.start,
      to: cue.start + changed.length,
    });
    if (para.length >= 40) break;
  }
  const injectionRate = await fireRate(runner, injected, c.feature, c.threshold);
  const paraphraseRate = para.length ? await fireRate(runner, para, c.feature, c.threshold) : NaN;
  return {
    injectionRate: +injectionRate.toFixed(3),
    paraphraseRate: Number.isNaN(paraphraseRate) ? -1 : +paraphraseRate.toFixed(3),
    correlate: injectionRate > 0.5 || (!Number.isNaN(paraphraseRate) && paraphraseRate < 1 / 3),
  };
}

/**
 * One GSM8K question answered by one model: the question, the reference solution (with `<<expr=result>>`
 * calculator steps), the model's solution and whether its final answer was right.
 */
export interface OutcomeRow {
  id: string;
  question: string;
  reference: string;
  model: string;
  solution: string;
  correct: boolean;
}

/** Per-question max activation of each candidate latent (question text -> feature -> max). */
export async function questionMaxima(
  runner: FeatureRunner,
  questions: readonly string[],
  features: readonly number[],
): Promise<Map<string, Map<number, number>>> {
  const m = runner.width;
  const out = new Map<string, Map<number, number>>();
  for (const q of questions) {
    if (out.has(q)) continue;
    const r = await runner.run(q);
    const mx = new Map<number, number>();
    for (const f of features) {
      let v = 0;
      for (let t = 0; t < r.ids.length; t++) v = Math.max(v, r.acts[t * m + f]);
      mx.set(f, v);
    }
    out.set(q, mx);
  }
  return out;
}

/** Association of one candidate with labelled misreadings of its family, strata = model. */
export function misreadingEvidence(
  c: FamilyCandidate,
  rows: readonly OutcomeRow[],
  labels: readonly Misreading[][],
  maxima: Map<string, Map<number, number>>,
): MisreadingEvidence {
  const tables = new Map<string, Table2x2>();
  const failTables = new Map<string, Table2x2>();
  let misread = 0,
    misreadFired = 0,
    fired = 0;
  const examples: MisreadingEvidence['examples'] = [];
  rows.forEach((r, i) => {
    const fires = (maxima.get(r.question)?.get(c.feature) ?? 0) >= c.threshold;
    const mis = labels[i].find((l) => l.family === c.family);
    const t = tables.get(r.model) ?? { a: 0, b: 0, c: 0, d: 0 };
    if (fires) mis ? t.a++ : t.b++;
    else mis ? t.c++ : t.d++;
    tables.set(r.model, t);
    const ft = failTables.get(r.model) ?? { a: 0, b: 0, c: 0, d: 0 };
    if (fires) !r.correct ? ft.a++ : ft.b++;
    else !r.correct ? ft.c++ : ft.d++;
    failTables.set(r.model, ft);
    if (fires) fired++;
    if (mis) misread++;
    if (mis && fires) {
      misreadFired++;
      if (examples.length < 3)
        examples.push({ question: r.question.slice(0, 200), model: r.model, phrase: mis.phrase, why: mis.why });
    }
  });
  const ts = [...tables.values()];
  const or = mhOddsRatio(ts);
  const round = (x: number) => (Number.isFinite(x) ? +x.toFixed(3) : x);
  return {
    rows: rows.length,
    misread,
    misreadFired,
    fired,
    or: round(or.or),
    lo: round(or.lo),
    hi: round(or.hi),
    p: +mantelHaenszel(ts).p.toPrecision(3),
    failureOr: ((f) => [round(f.or), round(f.lo), round(f.hi)] as [number, number, number])(
      mhOddsRatio([...failTables.values()]),
    ),
    failureP: +mantelHaenszel([...failTables.values()]).p.toPrecision(3),
    examples,
  };
}

export { labelMisreadings };
