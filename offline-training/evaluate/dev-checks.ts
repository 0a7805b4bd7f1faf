// Development checks of the default bundle's four goals (no math gloss on general English, traps
// glossed with the right family, held-out GSM8K failure odds, figurative precision), computed from what a bundle's rewrite did: pure
// statistics and the baselines every figure stands beside (keyword matcher, length-only AUC,
// all-positive F1, per-verb majority). The data loading and the engine calls live in
// scripts/dev-eval.ts; this file only counts.
import { auc, type Table2x2 } from '../learn/stats.ts';

/** The keyword matcher: the words a naive rule set would gloss. */
export const KEYWORD_RE = /\b(times|every|twice|double|per)\b|%/i;

/** Family a keyword-matcher hit would claim (its best guess, for the right-family baseline). */
export function keywordFamily(text: string): string | undefined {
  const m = KEYWORD_RE.exec(text);
  if (!m) return undefined;
  const w = m[0].toLowerCase();
  if (w === '%') return 'percent';
  if (w === 'per') return 'rate';
  if (w === 'every') return 'periodic';
  return 'multiplicative';
}

/** Re-exported from stats.ts (where mantelHaenszel shares it) for the dev checks' callers. */
export { mhOddsRatio, type OddsRatio } from '../learn/stats.ts';

/** One case of the stratified failure checks: stratum, length (characters), failed, exposed (glossed). */
export interface StratifiedRow {
  /** e.g. the model name; quartiles are computed within the whole set. */
  stratum: string;
  length: number;
  failed: boolean;
  exposed: boolean;
}

/** Length quartile x stratum tables, as mhOddsRatio wants them. */
export function quartileTables(rows: readonly StratifiedRow[]): Table2x2[] {
  const lens = rows.map((r) => r.length).sort((x, y) => x - y);
  const cut = [0.25, 0.5, 0.75].map((q) => lens[Math.min(lens.length - 1, Math.floor(q * lens.length))]);
  const bin = (l: number) => cut.filter((c) => l > c).length;
  const tables = new Map<string, Table2x2>();
  for (const r of rows) {
    const key = `${r.stratum}|${bin(r.length)}`;
    const t = tables.get(key) ?? { a: 0, b: 0, c: 0, d: 0 };
    if (r.exposed) r.failed ? t.a++ : t.b++;
    else r.failed ? t.c++ : t.d++;
    tables.set(key, t);
  }
  return [...tables.values()];
}

/** Length-only failure AUC, computed within each stratum and averaged by stratum size. */
export function lengthAuc(rows: readonly StratifiedRow[]): number {
  const by = new Map<string, StratifiedRow[]>();
  for (const r of rows) by.set(r.stratum, [...(by.get(r.stratum) ?? []), r]);
  let sum = 0;
  for (const rs of by.values())
    sum +=
      auc(
        rs.map((r) => r.length),
        rs.map((r) => r.failed),
      ) * rs.length;
  return sum / rows.length;
}

/** Precision, recall and F1 of binary predictions (binaryScores), in [0, 1], with the all-positive baseline. */
export interface BinaryScores {
  precision: number;
  recall: number;
  f1: number;
  /** Share of positives among the cases (the precision of guessing positive everywhere). */
  base: number;
  n: number;
}

/** Precision, recall and F1 of binary predictions. */
export function binaryScores(pred: readonly boolean[], gold: readonly (0 | 1)[]): BinaryScores {
  let tp = 0,
    fp = 0,
    fn = 0,
    pos = 0;
  pred.forEach((p, i) => {
    if (gold[i]) pos++;
    if (p && gold[i]) tp++;
    else if (p) fp++;
    else if (gold[i]) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    base: gold.length ? pos / gold.length : 0,
    n: gold.length,
  };
}

/**
 * Per-verb majority baseline: each verb's majority label in the training uses (ties and unseen
 * verbs: the overall training majority).
 */
export function perVerbMajority(
  train: readonly { verb: string; label: 0 | 1 }[],
  test: readonly { verb: string }[],
): boolean[] {
  const counts = new Map<string, [number, number]>();
  let pos = 0;
  for (const t of train) {
    const c = counts.get(t.verb) ?? [0, 0];
    c[t.label]++;
    counts.set(t.verb, c);
    pos += t.label;
  }
  const overall = pos * 2 > train.length;
  return test.map((t) => {
    const c = counts.get(t.verb);
    if (!c || c[0] === c[1]) return overall;
    return c[1] > c[0];
  });
}
