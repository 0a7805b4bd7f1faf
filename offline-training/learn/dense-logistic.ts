// A linear probe on dense hidden states: L2-regularised logistic regression on standardised
// features, by Nesterov-accelerated gradient descent with the step from the Lipschitz constant
// (largest eigenvalue of the standardised Gram matrix, by power iteration). Deterministic.
// Hidden states differ in scale by orders of magnitude across dimensions (an LLM's outlier
// dimensions), so features are standardised on the fitting rows first.
import { kFolds, mulberry32 } from '../util/random.ts';
import { auc } from './stats.ts';

/** A fitted probe: the probability of the positive class for a feature vector of the fitted width. */
export interface DenseProbe {
  l2: number;
  predict(x: Float32Array): number;
}

/**
 * Fits an L2 logistic regression (classes weighted equally) on rows of equal width `x[i].length`.
 * `l2` is the penalty on the standardised weights (the bias is free); `iters` gradient steps.
 */
export function fitDenseLogistic(
  x: readonly Float32Array[],
  y: readonly (0 | 1 | boolean)[],
  l2: number,
  iters = 300,
): DenseProbe {
  const n = x.length;
  const d = x[0].length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const r of x) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  for (const r of x) for (let j = 0; j < d; j++) sd[j] += (r[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const z = new Float64Array(n * d);
  x.forEach((r, i) => {
    for (let j = 0; j < d; j++) z[i * d + j] = (r[j] - mean[j]) / sd[j];
  });
  const pos = y.filter(Boolean).length;
  const cw = y.map((v) => (v ? n / (2 * Math.max(1, pos)) : n / (2 * Math.max(1, n - pos))));
  const lipschitz = 0.25 * Math.max(...cw) * (gramTopEigen(z, n, d) + 1) + l2;
  const step = 1 / lipschitz;
  let w = new Float64Array(d);
  let b = 0;
  const vw = new Float64Array(d);
  let vb = 0;
  let t = 1;
  const g = new Float64Array(d);
  for (let it = 0; it < iters; it++) {
    g.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let s = vb;
      for (let j = 0; j < d; j++) s += vw[j] * z[i * d + j];
      const err = (cw[i] * (1 / (1 + Math.exp(-s)) - (y[i] ? 1 : 0))) / n;
      gb += err;
      for (let j = 0; j < d; j++) g[j] += err * z[i * d + j];
    }
    const nw = new Float64Array(d);
    for (let j = 0; j < d; j++) nw[j] = vw[j] - step * (g[j] + l2 * vw[j]);
    const nb = vb - step * gb;
    const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const mom = (t - 1) / tn;
    for (let j = 0; j < d; j++) vw[j] = nw[j] + mom * (nw[j] - w[j]);
    vb = nb + mom * (nb - b);
    [w, b, t] = [nw, nb, tn];
  }
  return {
    l2,
    predict(r) {
      let s = b;
      for (let j = 0; j < d; j++) s += (w[j] * (r[j] - mean[j])) / sd[j];
      return 1 / (1 + Math.exp(-s));
    },
  };
}

/** Largest eigenvalue of Z^T Z / n for row-major Z [n, d] (power iteration, 30 steps). */
function gramTopEigen(z: Float64Array, n: number, d: number): number {
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  let lambda = 0;
  for (let it = 0; it < 30; it++) {
    const u = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += z[i * d + j] * v[j];
      for (let j = 0; j < d; j++) u[j] += (s * z[i * d + j]) / n;
    }
    lambda = Math.hypot(...u);
    if (!lambda) return 0;
    v = u.map((a) => a / lambda);
  }
  return lambda;
}

/** The penalties tried; the one with the best held-out AUC is kept. */
export const L2_GRID = [0.001, 0.01, 0.1, 1] as const;

/** Fits on `train` for each L2 in the grid and keeps the probe with the best AUC on `val`. */
export function selectProbe(
  train: { x: readonly Float32Array[]; y: readonly (0 | 1)[] },
  val: { x: readonly Float32Array[]; y: readonly (0 | 1)[] },
  grid: readonly number[] = L2_GRID,
): { probe: DenseProbe; valAuc: number } {
  let best: { probe: DenseProbe; valAuc: number } | undefined;
  for (const l2 of grid) {
    const probe = fitDenseLogistic(train.x, train.y, l2);
    const a = auc(
      val.x.map((r) => probe.predict(r)),
      val.y,
    );
    if (!best || a > best.valAuc) best = { probe, valAuc: a };
  }
  return best!;
}

/**
 * Out-of-fold probabilities by k-fold cross-validation, folds drawn over `groups` (rows of one
 * group stay together; seeded). Inside each fold the L2 penalty comes from a held-back third of
 * the fold's training groups; the probe is then refitted on the whole training part.
 */
export function crossValidatedScores(
  x: readonly Float32Array[],
  y: readonly (0 | 1)[],
  opts: { folds?: number; seed?: number; groups?: readonly string[] } = {},
): number[] {
  const folds = opts.folds ?? 10;
  const groups = opts.groups ?? x.map((_, i) => String(i));
  // A group at shuffled position p is in fold p % folds and, as the r-th of its fold
  // (r = floor(p / folds)), in the inner held-back third when r % 3 === 0.
  const foldOf = new Map<string, number>();
  const innerOf = new Map<string, boolean>();
  kFolds([...new Set(groups)], folds, mulberry32(opts.seed ?? 1)).forEach(({ test }, f) =>
    test.forEach((g, r) => {
      foldOf.set(g, f);
      innerOf.set(g, r % 3 === 0);
    }),
  );
  const scores = new Array<number>(x.length).fill(NaN);
  const pick = (idx: number[]) => ({ x: idx.map((i) => x[i]), y: idx.map((i) => y[i]) });
  for (let f = 0; f < folds; f++) {
    const all = x.map((_, i) => i);
    const test = all.filter((i) => foldOf.get(groups[i]) === f);
    const train = all.filter((i) => foldOf.get(groups[i]) !== f);
    const inner = train.filter((i) => innerOf.get(groups[i]));
    const fit = train.filter((i) => !innerOf.get(groups[i]));
    const { probe } = selectProbe(pick(fit), pick(inner));
    const final = fitDenseLogistic(pick(train).x, pick(train).y, probe.l2);
    for (const i of test) scores[i] = final.predict(x[i]);
  }
  return scores;
}
