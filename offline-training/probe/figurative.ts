// Figurative rules (the metaphor half of the misreading families): a probe over SAE latents at a verb and at the few
// words after it, fitted on labelled verb uses (VUA; MOH-X folds where given), so a gloss says
// "used figuratively" where the detector's features say so. Single latents at verbs track the verb's
// identity (make, take, give) at recall under 0.05 each; a sparse logistic read-out of the verb's
// code and its object's code carries the context a metaphor lives in. The codes are pooled by the
// runtime's own probeTokens over the runtime's own word tagger, so the edge computes what was fitted.
import { verbSpan, type VerbExample } from '../data/verb-csv.ts';
import { detokenize } from '../data/detokenize.ts';
import { fitSparseLogistic, prf, type PRF, type SparseRow } from '../learn/sparse-logistic.ts';
import { auc } from '../learn/stats.ts';
import { kFolds, mulberry32 } from '../util/random.ts';
import { probeTokens, tokensIn } from '../../src/core/rules/probe.ts';
import { splitSentences, tagSentence } from '../../src/core/rules/pos.ts';
import { scoreGate } from '../../src/core/rules/gate.ts';
import type { WordTagger } from '../../src/core/rules/pos.ts';
import type { Gate, Probe } from '../../src/core/rules/schema.ts';
import type { FeatureRunner } from '../sae/feature-runner.ts';
import { pooledRow, trainGate, type GateText, type GateTraining } from './task-gate.ts';

/** A labelled verb use (evaluate/metaphor.ts readVerbCsv), with the verb's offsets where a space split would not find them. */
export interface VerbUse extends VerbExample {
  /** The verb's UTF-16 `[start, end)` in `sentence`, where it is not word verbIdx of a space split (detokenized text). */
  span?: [number, number];
}

/** The same uses written as people write (evaluate/detokenize.ts), the verb's offsets carried over. */
export function detokenizedUses(uses: readonly VerbUse[]): VerbUse[] {
  return uses.map((u) => {
    const d = detokenize(u.sentence);
    return { ...u, sentence: d.text, span: d.words[u.verbIdx] };
  });
}

/** Verb uses as probe inputs: sparse rows over 2 x d_sae columns (the verb's latents, then the right context's). */
export interface ProbeRows {
  rows: SparseRow[];
  y: (0 | 1)[];
  /** The verb (lower case) of each row, for the card and per-verb baselines. */
  verbs: string[];
  /** Uses whose verb the tagger or the detector's window did not reach (dropped). */
  dropped: number;
  /** Per row, whether the probe's context gate (when given to probeRows) opens on the verb's sentence. */
  open?: boolean[];
}

/** Words after the verb that the probe reads (its object, mostly). */
export const RIGHT_WORDS = 3;

/**
 * Pools each verb use's SAE code as the runtime does (probeTokens over `tagger`'s words): per latent, the
 * max over the verb's tokens (columns [0, d_sae)) and over the next `rightWords` words' (columns
 * [d_sae, 2 d_sae)). With `context`, also whether that gate opens on the verb's sentence (as the runtime
 * pools it). Sentences run once each.
 */
export async function probeRows(
  runner: FeatureRunner,
  tagger: WordTagger,
  uses: readonly VerbUse[],
  context?: Gate,
  rightWords = RIGHT_WORDS,
): Promise<ProbeRows> {
  const m = runner.width;
  const out: ProbeRows = { rows: [], y: [], verbs: [], dropped: 0, ...(context ? { open: [] } : {}) };
  const identity = new Map(Array.from({ length: m }, (_, j) => [j, j]));
  const bySentence = new Map<string, VerbUse[]>();
  for (const u of uses) bySentence.set(u.sentence, [...(bySentence.get(u.sentence) ?? []), u]);
  for (const [text, us] of bySentence) {
    const r = await runner.run(text);
    const tokens = r.offsets.map(([start, end]) => ({ start, end }));
    const usable = tokens.flatMap((t, i) => (t.end > t.start ? [i] : []));
    // As the runtime: our sentences, each tagged on its own, the gate pooled over the sentence's tokens.
    const sentences = splitSentences(text).map((span) => ({ span, words: tagSentence(tagger, text, span) }));
    for (const u of us) {
      const vs = u.span ?? verbSpan(text, u.verbIdx);
      const sent = vs && sentences.find((x) => x.span.start < vs[1] && x.span.end > vs[0]);
      const at = sent ? sent.words.findIndex((w) => w.start < vs![1] && w.end > vs![0]) : -1;
      const toks = sent && at >= 0 ? probeTokens(sent.words, at, rightWords, tokens, usable) : undefined;
      if (!sent || !toks?.word.length) {
        out.dropped++;
        continue;
      }
      const code = new Map<number, number>();
      for (const [part, list] of [
        [0, toks.word],
        [m, toks.right],
      ] as const)
        for (const t of list)
          for (let j = 0; j < m; j++) {
            const v = r.acts[t * m + j];
            if (v > (code.get(part + j) ?? 0)) code.set(part + j, v);
          }
      const idx = Int32Array.from(code.keys());
      out.rows.push({ idx, val: Float32Array.from(idx, (j) => code.get(j)!) });
      out.y.push(u.label);
      out.verbs.push(text.slice(vs[0], vs[1]).toLowerCase());
      if (context) out.open!.push(scoreGate(context, r.acts, m, tokensIn(sent.span, tokens, usable), identity).open);
    }
  }
  return out;
}

/** A fitted figurative probe: the rule's classifier and threshold, and how it was chosen (validation figures). */
export interface FigurativeProbe {
  probe: Probe;
  /** Probability threshold the rule fires at. */
  threshold: number;
  l1: number;
  /** On the validation uses at `threshold`; `share` is their figurative share. */
  val: PRF & { auc: number; share: number; n: number };
  /** The latents with the largest weights, for the rule's label and the card. */
  top: { feature: number; part: 'word' | 'right'; weight: number }[];
  /** Per probe latent, what it is: its weights and the training verbs it fires on most (features.json labels). */
  labels: Record<number, string>;
}

/** Options for fitFigurativeProbe. */
export interface ProbeFitOptions {
  /** L1 strengths tried; the one with the best validation AUC among those within maxLatents wins. */
  l1Grid?: readonly number[];
  /** Most distinct latents the probe may read (each is a column of the bundle's head). */
  maxLatents?: number;
  /** Validation precision the threshold must reach above the figurative share (precision first). */
  margin?: number;
}

/** Figures of one fit: its probability for rows and the distinct latents it reads. */
function fitOnce(rows: SparseRow[], y: (0 | 1)[], m: number, l1: number) {
  const model = fitSparseLogistic(rows, y, 2 * m, l1, { balance: true, iters: 300 });
  const latents = new Set<number>();
  model.w.forEach((w, j) => {
    if (w !== 0) latents.add(j % m);
  });
  return { model, latents };
}

/**
 * The lowest threshold (highest recall) on a 0.01 grid in [0.5, 0.95] whose precision on `scores` is at
 * least share + margin; the 0.95 end when none reaches it (the rule then fires rarely, precision first).
 */
export function precisionThreshold(scores: readonly number[], y: readonly (0 | 1)[], margin: number): PRF {
  const share = y.filter(Boolean).length / Math.max(1, y.length);
  for (let t = 0.5; t < 0.951; t += 0.01) {
    const r = prf(scores, y, +t.toFixed(2));
    if (r.precision >= share + margin && r.recall > 0) return r;
  }
  return prf(scores, y, 0.95);
}

/**
 * Fits the figurative probe: L1 logistic (class-balanced) on `train`, L1 strength by validation AUC and the
 * threshold by validation precision (precisionThreshold) of the whole rule: validation rows whose context
 * gate is closed (`val.open`) count as not fired. `m` is the SAE width (rows have 2m columns).
 * @throws Error when no L1 strength keeps the probe within maxLatents.
 */
export function fitFigurativeProbe(
  train: ProbeRows,
  val: ProbeRows,
  m: number,
  opts: ProbeFitOptions = {},
): FigurativeProbe {
  const maxLatents = opts.maxLatents ?? 1000;
  const margin = opts.margin ?? 0.2;
  let best: { l1: number; auc: number; fit: ReturnType<typeof fitOnce> } | undefined;
  for (const l1 of opts.l1Grid ?? [0.0025, 0.003, 0.0035, 0.004]) {
    const fit = fitOnce(train.rows, train.y, m, l1);
    if (fit.latents.size > maxLatents || fit.latents.size === 0) continue;
    const a = auc(
      val.rows.map((r) => fit.model.predict(r)),
      val.y,
    );
    if (!best || a > best.auc) best = { l1, auc: a, fit };
  }
  if (!best) throw new Error(`no L1 strength keeps the figurative probe within ${maxLatents} latents`);
  const { model, latents } = best.fit;
  const features = [...latents].sort((a, b) => a - b);
  const probe: Probe = {
    pos: 'verb',
    features,
    word: features.map((f) => +model.w[f].toPrecision(5)),
    right: features.map((f) => +model.w[m + f].toPrecision(5)),
    rightWords: RIGHT_WORDS,
    bias: +model.b.toPrecision(6),
  };
  // The whole rule is judged: where the context gate stays closed the probe never fires.
  const scores = val.rows.map((r, i) => (val.open && !val.open[i] ? 0 : model.predict(r)));
  const pick = precisionThreshold(scores, val.y, margin);
  const top = features
    .flatMap((f, i) => [
      { feature: f, part: 'word' as const, weight: probe.word[i] },
      { feature: f, part: 'right' as const, weight: probe.right[i] },
    ])
    .filter((x) => x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.feature - b.feature)
    .slice(0, 10);
  return {
    probe,
    threshold: pick.threshold,
    l1: best.l1,
    labels: latentLabels(probe, train),
    val: { ...pick, auc: best.auc, share: val.y.filter(Boolean).length / Math.max(1, val.y.length), n: val.y.length },
    top,
  };
}

/** Two sets of probe rows as one (for example a corpus as tokenized and as people write it). */
export function concatRows(a: ProbeRows, b: ProbeRows): ProbeRows {
  return {
    rows: [...a.rows, ...b.rows],
    y: [...a.y, ...b.y],
    verbs: [...a.verbs, ...b.verbs],
    dropped: a.dropped + b.dropped,
    ...(a.open && b.open ? { open: [...a.open, ...b.open] } : {}),
  };
}

/**
 * A label per probe latent saying what it fires on: its two weights and the verbs of `rows` where it is
 * most active at the verb (summed activation), or, for a latent read only after the verb, that it is.
 */
export function latentLabels(probe: Probe, rows: ProbeRows): Record<number, string> {
  const byLatent = new Map<number, Map<string, number>>();
  const wanted = new Set(probe.features);
  rows.rows.forEach((r, k) => {
    for (let i = 0; i < r.idx.length; i++) {
      if (!wanted.has(r.idx[i])) continue; // word part only: columns [0, d_sae)
      const m = byLatent.get(r.idx[i]) ?? new Map<string, number>();
      m.set(rows.verbs[k], (m.get(rows.verbs[k]) ?? 0) + r.val[i]);
      byLatent.set(r.idx[i], m);
    }
  });
  const out: Record<number, string> = {};
  probe.features.forEach((f, i) => {
    const verbs = [...(byLatent.get(f) ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([v]) => `"${v}"`);
    const w = `figurative probe: weight ${probe.word[i]} at the verb, ${probe.right[i]} after it`;
    out[f] = (verbs.length ? `${w}; at verbs fires most on ${verbs.join(', ')}` : `${w}; fires after verbs`).slice(
      0,
      200,
    );
  });
  return out;
}

/** Probe rows with the given extra rows appended `times` times (a small set weighted against a large one). */
export function withExtra(base: ProbeRows, extra: ProbeRows, idx: readonly number[], times: number): ProbeRows {
  const out: ProbeRows = { rows: [...base.rows], y: [...base.y], verbs: [...base.verbs], dropped: base.dropped };
  // Fitting reads rows and labels only; gate flags of the mixed set would mean nothing.
  for (let r = 0; r < times; r++)
    for (const i of idx) {
      out.rows.push(extra.rows[i]);
      out.y.push(extra.y[i]);
      out.verbs.push(extra.verbs[i]);
    }
  return out;
}

/**
 * MOH-X by k-fold cross-validation (Gao et al. 2018's protocol): each fold's probe is fitted on `base`
 * (VUA train) plus the other folds (weighted `times`), with the shipped probe's L1 strength and threshold,
 * and scored on the held-out fold. Folds by a seeded shuffle of row indices.
 */
export function crossValidateProbe(
  base: ProbeRows,
  mohx: ProbeRows,
  m: number,
  l1: number,
  threshold: number,
  opts: { folds?: number; times?: number; seed?: number } = {},
): PRF & { auc: number; n: number; folds: number } {
  const folds = opts.folds ?? 10;
  const scores: number[] = [];
  const labels: (0 | 1)[] = [];
  const splits = kFolds(
    mohx.y.map((_, i) => i),
    folds,
    mulberry32(opts.seed ?? 1),
  );
  for (const { test, train: rest } of splits) {
    const fold = withExtra(base, mohx, rest, opts.times ?? 3);
    const { model } = fitOnce(fold.rows, fold.y, m, l1);
    for (const i of test) {
      scores.push(mohx.open && !mohx.open[i] ? 0 : model.predict(mohx.rows[i]));
      labels.push(mohx.y[i]);
    }
  }
  return { ...prf(scores, labels, threshold), auc: auc(scores, labels), n: labels.length, folds };
}

/**
 * The probe's context gate (ProbeSchema `context`): an L1 logistic over sentence-mean-pooled latents,
 * prose sentences (VUA train, label 1) vs sentences of other kinds (README sentences of npm packages,
 * GSM8K question sentences: label 0), with the threshold where at most `maxNegativeRate` of held-out
 * negatives open it. So a figurative gloss lands in prose, never on "make" in "how do I make my site
 * faster" or "returns" in a SQL request.
 */
export async function fitContextGate(
  runner: FeatureRunner,
  texts: readonly GateText[],
  opts: { maxLatents?: number; maxNegativeRate?: number } = {},
): Promise<GateTraining> {
  const rows: SparseRow[] = [];
  for (const t of texts) rows.push(await pooledRow(runner, t.text));
  return trainGate(texts, rows, runner.width, ['figurative'], {
    maxLatents: opts.maxLatents ?? 96,
    maxNegativeRate: opts.maxNegativeRate ?? 0.05,
    id: 'prose-sentence',
    label: "the verb's sentence is prose (sentence-mean-pooled SAE latents, L1 logistic)",
  });
}
