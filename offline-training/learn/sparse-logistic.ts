// L1-regularised logistic regression on sparse rows (SAE codes are ~30 non-zeros out of thousands),
// by full-batch proximal gradient descent with FISTA momentum: the readout stays sparse, so the
// features it keeps can be named.

/** A sparse feature vector: indices and their values. */
export interface SparseRow {
  idx: Int32Array;
  val: Float32Array;
}

/** A fitted logistic model: weights [dim], bias, and its probability for a sparse row. */
export interface SparseLogistic {
  w: Float64Array;
  b: number;
  /** Non-zero weights. */
  nnz: number;
  predict(row: SparseRow): number;
}

function dot(w: Float64Array, r: SparseRow): number {
  let s = 0;
  for (let i = 0; i < r.idx.length; i++) s += w[r.idx[i]] * r.val[i];
  return s;
}

/**
 * L1-regularised logistic regression on sparse rows (FISTA with a fixed step from the Lipschitz bound; Beck &
 * Teboulle 2009). `dim` features, `l1` the penalty; `balance` weights the classes equally. Deterministic.
 */
export function fitSparseLogistic(
  rows: readonly SparseRow[],
  y: readonly (0 | 1 | boolean)[],
  dim: number,
  l1: number,
  opts: { iters?: number; balance?: boolean } = {},
): SparseLogistic {
  const n = rows.length;
  const iters = opts.iters ?? 300;
  const pos = y.filter(Boolean).length;
  // Class weights so a rare positive class is not ignored (metaphors are ~30% of VUA verbs).
  const wPos = opts.balance === false ? 1 : n / (2 * Math.max(1, pos));
  const wNeg = opts.balance === false ? 1 : n / (2 * Math.max(1, n - pos));
  // Step size from a bound on the Lipschitz constant of the averaged logistic loss.
  let maxNorm = 0;
  for (const r of rows) {
    let s = 1;
    for (let i = 0; i < r.val.length; i++) s += r.val[i] * r.val[i];
    maxNorm = Math.max(maxNorm, s);
  }
  const step = 1 / (0.25 * Math.max(wPos, wNeg) * maxNorm);
  let w = new Float64Array(dim),
    b = 0;
  const zw = new Float64Array(dim);
  let zb = 0;
  let t = 1;
  const g = new Float64Array(dim);
  for (let it = 0; it < iters; it++) {
    g.fill(0);
    let gb = 0;
    for (let k = 0; k < n; k++) {
      const r = rows[k];
      const p = 1 / (1 + Math.exp(-(dot(zw, r) + zb)));
      const e = (p - (y[k] ? 1 : 0)) * (y[k] ? wPos : wNeg);
      gb += e;
      for (let i = 0; i < r.idx.length; i++) g[r.idx[i]] += e * r.val[i];
    }
    const nw = new Float64Array(dim);
    const thr = step * l1;
    for (let j = 0; j < dim; j++) {
      const v = zw[j] - (step * g[j]) / n;
      nw[j] = v > thr ? v - thr : v < -thr ? v + thr : 0;
    }
    const nb = zb - (step * gb) / n;
    const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const mom = (t - 1) / tn;
    for (let j = 0; j < dim; j++) zw[j] = nw[j] + mom * (nw[j] - w[j]);
    zb = nb + mom * (nb - b);
    w = nw;
    b = nb;
    t = tn;
  }
  let nnz = 0;
  for (let j = 0; j < dim; j++) if (w[j] !== 0) nnz++;
  const wf = w,
    bf = b;
  return { w: wf, b: bf, nnz, predict: (r) => 1 / (1 + Math.exp(-(dot(wf, r) + bf))) };
}

/** Precision, recall and F1 at one threshold. */
export interface PRF {
  precision: number;
  recall: number;
  f1: number;
  threshold: number;
}

/** Precision, recall and F1 of `scores >= threshold` against labels `y`. */
export function prf(scores: readonly number[], y: readonly (0 | 1 | boolean)[], threshold: number): PRF {
  let tp = 0,
    fp = 0,
    fn = 0;
  scores.forEach((s, i) => {
    if (s >= threshold) {
      if (y[i]) tp++;
      else fp++;
    } else if (y[i]) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, threshold };
}

/** The decision threshold with the best F1 on a validation set. */
export function bestThreshold(scores: readonly number[], y: readonly (0 | 1 | boolean)[]): PRF {
  let best = prf(scores, y, 0.5);
  for (let t = 0.05; t < 0.96; t += 0.025) {
    const r = prf(scores, y, t);
    if (r.f1 > best.f1) best = r;
  }
  return best;
}
