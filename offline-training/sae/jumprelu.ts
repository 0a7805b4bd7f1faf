// Per-latent JumpReLU thresholds calibrated from a TopK SAE, so that any subset of latents can run
// on its own at the edge (TopK needs every pre-activation of a token to decide; a threshold needs
// only the latent's own).
//
// For latent j, let v_0 <= ... <= v_{c-1} be its activations when it is in the TopK (on) over the
// calibration rows. Firing at pre >= v_i misses i on-decisions (FN) and adds every off
// pre-activation >= v_i (FP). Pass 1 (TopK) collects the v's; pass 2 (full pre-activations)
// histograms the positive off pre-activations into the gaps between consecutive v's. The
// threshold minimises FN + FP (i < c, so a latent that fired keeps firing), placed halfway into the
// gap below v_i for margin. Latents that never fired get +Infinity.
import { SaeError } from './errors.ts';
import type { Sae } from './model.ts';
import { decodeDense, decodeSlots, FvuAccumulator, saeRunner, type SaeRunner } from './metrics.ts';

/** How well per-latent JumpReLU thresholds reproduce TopK's on/off decisions, with L0 and FVU both ways. */
export interface JumpReluAgreement {
  rows: number;
  /** On/off decisions over (row, latent) pairs, TopK as the reference. */
  precision: number;
  recall: number;
  f1: number;
  /** Fraction of all (row, latent) decisions that agree (dominated by agreeing offs). */
  accuracy: number;
  l0_topk: number;
  l0_jumprelu: number;
  fvu_topk: number;
  fvu_jumprelu: number;
  /** Latents whose threshold is +Infinity (never on in the calibration rows). */
  dead_thresholds: number;
}

function upperBound(a: Float32Array, lo: number, hi: number, v: number): number {
  // first index in [lo, hi) with a[i] > v
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Pass 1's result: each (row, slot)'s on-latent (-1 if off) and every latent's on-values, sorted, in CSR form. */
interface OnValues {
  onIdx: Int32Array;
  /** Latent j's sorted on-values live in sorted[start[j] .. start[j+1]). */
  start: Int32Array;
  sorted: Float32Array;
}

// Pass 1: TopK decisions over the calibration rows, gathered per latent and sorted.
async function collectOnValues(
  sae: Sae,
  rows: Float32Array,
  runner: SaeRunner,
  n: number,
  batch: number,
): Promise<OnValues> {
  const d = sae.d_in;
  const m = sae.d_sae;
  const k = sae.k!;
  const onIdx = new Int32Array(n * k).fill(-1);
  const onVal = new Float32Array(n * k);
  const count = new Int32Array(m + 1);
  for (let r0 = 0; r0 < n; r0 += batch) {
    const B = Math.min(batch, n - r0);
    const xc = runner.centre(rows.subarray(r0 * d, (r0 + B) * d), B);
    const { vals, idx } = await runner.encoder.topk(xc, B, runner.rows, sae.b_enc);
    for (let t = 0; t < B * k; t++) {
      if (vals[t] > 0) {
        onIdx[r0 * k + t] = idx[t];
        onVal[r0 * k + t] = vals[t];
        count[idx[t] + 1]++;
      }
    }
  }
  for (let j = 0; j < m; j++) count[j + 1] += count[j];
  const start = count; // latent j's sorted on-values live in [start[j], start[j+1])
  const sorted = new Float32Array(start[m]);
  const fill = start.slice(0, m);
  for (let t = 0; t < n * k; t++) if (onIdx[t] >= 0) sorted[fill[onIdx[t]]++] = onVal[t];
  for (let j = 0; j < m; j++) sorted.subarray(start[j], start[j + 1]).sort();
  return { onIdx, start, sorted };
}

// Pass 2: positive off pre-activations, binned by how many on-values lie at or below them.
// Latent j's bins occupy [start[j] + j, start[j+1] + j + 1) (c_j + 1 bins).
async function binOffValues(
  sae: Sae,
  rows: Float32Array,
  runner: SaeRunner,
  n: number,
  batch: number,
  { onIdx, start, sorted }: OnValues,
): Promise<{ bins: Float64Array; binMax: Float32Array }> {
  const d = sae.d_in;
  const m = sae.d_sae;
  const k = sae.k!;
  const bins = new Float64Array(start[m] + m);
  const binMax = new Float32Array(start[m] + m).fill(-Infinity);
  const stamp = new Int32Array(m).fill(-1);
  for (let r0 = 0; r0 < n; r0 += batch) {
    const B = Math.min(batch, n - r0);
    const xc = runner.centre(rows.subarray(r0 * d, (r0 + B) * d), B);
    const pre = await runner.encoder.pre(xc, B, runner.rows, sae.b_enc);
    for (let b = 0; b < B; b++) {
      const r = r0 + b;
      for (let s = 0; s < k; s++) if (onIdx[r * k + s] >= 0) stamp[onIdx[r * k + s]] = r;
      const po = b * m;
      for (let j = 0; j < m; j++) {
        const u = pre[po + j];
        if (!(u > 0) || stamp[j] === r) continue;
        const a = start[j];
        const e = start[j + 1];
        if (a === e) continue; // never on: threshold +Infinity anyway
        const p = upperBound(sorted, a, e, u) - a;
        const bi = a + j + p;
        bins[bi]++;
        if (u > binMax[bi]) binMax[bi] = u;
      }
    }
  }
  return { bins, binMax };
}

// Per latent, the threshold minimising FN + FP, placed halfway into the gap below the chosen on-value.
function pickThresholds(
  m: number,
  { start, sorted }: OnValues,
  bins: Float64Array,
  binMax: Float32Array,
): Float32Array {
  const threshold = new Float32Array(m).fill(Infinity);
  for (let j = 0; j < m; j++) {
    const a = start[j];
    const c = start[j + 1] - a;
    if (c === 0) continue;
    const b0 = a + j;
    // FP(i) = sum of bins p >= i + 1; scan i from c - 1 down to 0.
    let fpAbove = bins[b0 + c]; // off values >= every on-value
    let best = Infinity;
    let bestI = c - 1;
    for (let i = c - 1; i >= 0; i--) {
      const errors = i + fpAbove;
      if (errors <= best) {
        best = errors;
        bestI = i;
      }
      fpAbove += bins[b0 + i];
    }
    const v = sorted[a + bestI];
    let below = bestI > 0 ? sorted[a + bestI - 1] : 0;
    if (binMax[b0 + bestI] > below) below = binMax[b0 + bestI];
    below = Math.max(0, below);
    let t = below < v ? (below + v) / 2 : below;
    // pre > t must hold for pre = v: step below v when the midpoint rounds up to it.
    if (!(Math.fround(t) < v)) t = nextDown(v);
    threshold[j] = Math.max(0, t);
  }
  return threshold;
}

/** Thresholds [d_sae] for a TopK SAE from raw calibration rows [n, d_in]. */
export async function calibrateJumpRelu(
  sae: Sae,
  rows: Float32Array,
  opts: { batch?: number; runner?: SaeRunner } = {},
): Promise<Float32Array> {
  if (sae.architecture !== 'topk') throw new SaeError('JumpReLU calibration needs a TopK SAE');
  const d = sae.d_in;
  const n = rows.length / d;
  if (!Number.isInteger(n) || n === 0)
    throw new SaeError(`JumpReLU calibration: no rows (or ${rows.length} values not a multiple of d_in=${d})`);
  const batch = opts.batch ?? 1024;
  const runner = opts.runner ?? (await saeRunner(sae));
  try {
    const on = await collectOnValues(sae, rows, runner, n, batch);
    const { bins, binMax } = await binOffValues(sae, rows, runner, n, batch, on);
    return pickThresholds(sae.d_sae, on, bins, binMax);
  } finally {
    if (!opts.runner) await runner.release();
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function nextDown(v: number): number {
  f32[0] = v;
  if (v > 0) u32[0] -= 1;
  return f32[0];
}

/** A JumpReLU SAE from a TopK SAE and thresholds (same weights; every latent independent). */
export function toJumpRelu(sae: Sae, threshold: Float32Array): Sae {
  if (threshold.length !== sae.d_sae)
    throw new SaeError(`threshold has ${threshold.length} values, expected d_sae=${sae.d_sae}`);
  const cfg = { ...sae.cfg };
  return { ...sae, architecture: 'jumprelu', k: undefined, threshold, cfg };
}

/** How closely the JumpReLU version reproduces the TopK SAE on raw rows [n, d_in]. */
export async function jumpReluAgreement(
  topk: Sae,
  jump: Sae,
  rows: Float32Array,
  opts: { batch?: number; runner?: SaeRunner } = {},
): Promise<JumpReluAgreement> {
  const d = topk.d_in;
  const m = topk.d_sae;
  const k = topk.k!;
  const n = rows.length / d;
  if (n === 0) throw new SaeError('jumpReluAgreement: no rows');
  const batch = opts.batch ?? 1024;
  const runner = opts.runner ?? (await saeRunner(topk));
  const th = jump.threshold!;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let onTopk = 0;
  let onJump = 0;
  const accT = new FvuAccumulator(d);
  const accJ = new FvuAccumulator(d);
  const stamp = new Int32Array(m).fill(-1);
  try {
    for (let r0 = 0; r0 < n; r0 += batch) {
      const B = Math.min(batch, n - r0);
      const x = rows.subarray(r0 * d, (r0 + B) * d);
      const xc = runner.centre(x, B);
      const { vals, idx } = await runner.encoder.topk(xc, B, runner.rows, topk.b_enc);
      const pre = await runner.encoder.pre(xc, B, runner.rows, topk.b_enc);
      const xh = new Float64Array(B * d);
      decodeSlots(topk, B, vals, idx, k, xh);
      accT.add(x, xh, B);
      onJump += decodeDense(jump, B, pre, xh);
      accJ.add(x, xh, B);
      for (let b = 0; b < B; b++) {
        const r = r0 + b;
        for (let s = 0; s < k; s++) {
          if (vals[b * k + s] > 0) {
            stamp[idx[b * k + s]] = r;
            onTopk++;
          }
        }
        for (let j = 0; j < m; j++) {
          const u = pre[b * m + j];
          const jOn = u > 0 && u > th[j];
          const tOn = stamp[j] === r;
          if (jOn && tOn) tp++;
          else if (jOn) fp++;
          else if (tOn) fn++;
        }
      }
    }
  } finally {
    if (!opts.runner) await runner.release();
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 1;
  let dead = 0;
  for (let j = 0; j < m; j++) if (th[j] === Infinity) dead++;
  return {
    rows: n,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    accuracy: 1 - (fp + fn) / (n * m),
    l0_topk: onTopk / n,
    l0_jumprelu: onJump / n,
    fvu_topk: accT.fvu(),
    fvu_jumprelu: accJ.fvu(),
    dead_thresholds: dead,
  };
}
