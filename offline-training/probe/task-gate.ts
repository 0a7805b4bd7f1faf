// Trains the task gate (src/core/rules/gate.ts): an L1 logistic classifier over prompt-mean-pooled
// SAE latents, math word problems (positives) vs real general English (negatives), so math rules
// fire only inside math problems. The threshold is set for precision: at most `maxNegativeRate`
// of held-out negatives open the gate.
import { fitSparseLogistic, type SparseRow } from '../learn/sparse-logistic.ts';
import { isHeldOut } from '../data/splits.ts';
import { auc } from '../learn/stats.ts';
import type { FeatureRunner } from '../sae/feature-runner.ts';
import type { MisreadingFamily, Gate } from '../../src/core/rules/schema.ts';

/** One text for gate training: of the gate's kind (label 1: a math word problem for the task gate) or not (0). */
export interface GateText {
  id: string;
  text: string;
  /** 1 = of the gate's kind (a math word problem), 0 = other text. */
  label: 0 | 1;
  /** Corpus name, for the evidence. */
  corpus: string;
}

/** Mean over the prompt's tokens of every latent, as a sparse row (what scoreGate pools). */
export async function pooledRow(runner: FeatureRunner, text: string): Promise<SparseRow> {
  const r = await runner.run(text);
  const m = runner.width;
  // Only text-bearing tokens, as the runtime matcher pools them.
  const usable = r.offsets.map((o, t) => (o[1] > o[0] ? t : -1)).filter((t) => t >= 0);
  const T = usable.length;
  const sums = new Map<number, number>();
  for (const t of usable)
    for (let j = 0; j < m; j++) {
      const v = r.acts[t * m + j];
      if (v > 0) sums.set(j, (sums.get(j) ?? 0) + v);
    }
  const idx = Int32Array.from([...sums.keys()].sort((a, b) => a - b));
  return { idx, val: Float32Array.from(idx, (j) => sums.get(j)! / Math.max(1, T)) };
}

/** trainGate's answer: the gate for rules.json and its held-out figures (rates and AUC in [0, 1]). */
export interface GateTraining {
  gate: Gate;
  /** Held-out figures: negatives' open rate by corpus, math recall, AUC. */
  heldOut: Record<string, number>;
}

/**
 * Fits the gate on the texts outside a deterministic 25% held-out split, keeps at most `maxLatents`
 * latents (the largest L1 path weights), and sets the threshold on the held-out negatives. `id` and
 * `label` name it (default: the math task gate).
 */
export function trainGate(
  texts: readonly GateText[],
  rows: readonly SparseRow[],
  dim: number,
  families: readonly MisreadingFamily[],
  opts: { maxLatents?: number; maxNegativeRate?: number; id?: string; label?: string } = {},
): GateTraining {
  const maxLatents = opts.maxLatents ?? 48;
  const maxNeg = opts.maxNegativeRate ?? 0.005;
  const held = texts.map((t) => isHeldOut(t.id, 0.25, 11));
  const trainRows = rows.filter((_, i) => !held[i]);
  const trainY = texts.filter((_, i) => !held[i]).map((t) => t.label);
  // Strongest L1 that still keeps enough latents: a small gate ships few encoder rows.
  let fit = fitSparseLogistic(trainRows, trainY, dim, 1e-3, { iters: 300 });
  for (const l1 of [3e-3, 1e-3, 3e-4, 1e-4]) {
    fit = fitSparseLogistic(trainRows, trainY, dim, l1, { iters: 300 });
    if (fit.nnz >= Math.min(16, maxLatents)) break;
  }
  const keep = [...fit.w.keys()]
    .filter((j) => fit.w[j] !== 0)
    .sort((a, b) => Math.abs(fit.w[b]) - Math.abs(fit.w[a]) || a - b)
    .slice(0, maxLatents)
    .sort((a, b) => a - b);
  const weights = keep.map((j) => +fit.w[j].toFixed(6));
  const bias = +fit.b.toFixed(6);
  const score = (r: SparseRow) => {
    let z = bias;
    for (let i = 0; i < r.idx.length; i++) {
      const k = keep.indexOf(r.idx[i]);
      if (k >= 0) z += weights[k] * r.val[i];
    }
    return 1 / (1 + Math.exp(-z));
  };
  const heldIdx = texts.map((_, i) => i).filter((i) => held[i]);
  const negScores = heldIdx
    .filter((i) => texts[i].label === 0)
    .map((i) => score(rows[i]))
    .sort((a, b) => b - a);
  // The lowest threshold at which at most maxNeg of held-out negatives open the gate.
  const allowed = Math.floor(maxNeg * negScores.length);
  const threshold = Math.min(0.999, Math.max(0.5, (negScores[allowed] ?? 0) + 1e-6));
  const heldOut: Record<string, number> = {};
  const byCorpus = new Map<string, { n: number; open: number }>();
  for (const i of heldIdx) {
    const c = byCorpus.get(texts[i].corpus) ?? { n: 0, open: 0 };
    c.n++;
    if (score(rows[i]) >= threshold) c.open++;
    byCorpus.set(texts[i].corpus, c);
  }
  for (const [corpus, c] of byCorpus) heldOut[`${corpus}_open_rate`] = +(c.open / c.n).toFixed(4);
  heldOut.auc = +auc(
    heldIdx.map((i) => score(rows[i])),
    heldIdx.map((i) => texts[i].label === 1),
  ).toFixed(4);
  heldOut.texts = heldIdx.length;
  return {
    gate: {
      id: opts.id ?? 'math-word-problem',
      label: opts.label ?? 'prompt is a math word problem (mean-pooled SAE latents, L1 logistic)',
      features: keep,
      pool: 'mean',
      weights,
      bias,
      threshold: +threshold.toFixed(6),
      families: [...families],
      evidence: { trained_on: [...new Set(texts.map((t) => t.corpus))], held_out: heldOut },
    },
    heldOut,
  };
}
