// Held-out evaluation of an SAE (in raw activation space, exactly as it is saved): FVU,
// explained variance, L0, dead latents; the mean-only and PCA-k baselines.
//   FVU = sum ||x - x_hat||^2 / sum ||x - mean(x)||^2 over the evaluation rows.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../graph/builder.ts';
import { createEncoder, sessionOptions, type Engine, type SaeEncoder } from './encoder.ts';
import { SaeError } from './errors.ts';
import type { Sae } from './model.ts';

export interface EvalResult {
  rows: number;
  fvu: number;
  explained_variance: number;
  /** Mean number of active latents per row. */
  l0: number;
  /** Fraction of latents that never activated on these rows. */
  dead_fraction: number;
  /** Activations per latent over these rows. */
  fireCounts: Float64Array;
}

/** The SAE's encoder rows [d_sae, d_in] (W_enc transposed), as the encoder graph takes them. */
export function encoderRows(sae: Sae): Float32Array {
  const { d_in: d, d_sae: m, W_enc } = sae;
  const out = new Float32Array(m * d);
  for (let i = 0; i < d; i++) {
    const row = i * m;
    for (let j = 0; j < m; j++) out[j * d + i] = W_enc[row + j];
  }
  return out;
}

export interface SaeRunner {
  sae: Sae;
  encoder: SaeEncoder;
  rows: Float32Array;
  /** x - b_dec (or x when the SAE does not subtract b_dec). */
  centre(x: Float32Array, B: number): Float32Array;
  release(): Promise<void>;
}

export async function saeRunner(
  sae: Sae,
  opts: { engine?: Engine; device?: string; log?: (msg: string) => void } = {},
): Promise<SaeRunner> {
  const k = sae.architecture === 'topk' ? sae.k! : 1;
  const encoder = await createEncoder({
    d: sae.d_in,
    m: sae.d_sae,
    k,
    engine: opts.engine,
    device: opts.device,
    log: opts.log,
  });
  const rows = encoderRows(sae);
  const d = sae.d_in;
  return {
    sae,
    encoder,
    rows,
    centre(x: Float32Array, B: number): Float32Array {
      const xc = new Float32Array(B * d);
      for (let b = 0; b < B; b++)
        for (let i = 0; i < d; i++) xc[b * d + i] = x[b * d + i] - (sae.applyBDecToInput ? sae.b_dec[i] : 0);
      return xc;
    },
    release: () => encoder.release(),
  };
}

/** Accumulates sum ||x - x_hat||^2 and the per-column moments of x over batches. */
export class FvuAccumulator {
  sse = 0;
  rows = 0;
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  constructor(readonly d: number) {
    this.sum = new Float64Array(d);
    this.sq = new Float64Array(d);
  }
  add(x: Float32Array, xh: Float32Array | Float64Array, B: number): void {
    const d = this.d;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < d; i++) {
        const v = x[b * d + i];
        const e = v - xh[b * d + i];
        this.sse += e * e;
        this.sum[i] += v;
        this.sq[i] += v * v;
      }
    }
    this.rows += B;
  }
  sst(): number {
    let s = 0;
    for (let i = 0; i < this.d; i++) s += this.sq[i] - (this.sum[i] * this.sum[i]) / this.rows;
    return s;
  }
  fvu(): number {
    const sst = this.sst();
    return sst > 0 ? this.sse / sst : NaN;
  }
}

/** x_hat rows for sparse codes given as parallel (val, idx) arrays of `slots` entries per row. */
export function decodeSlots(
  sae: Sae,
  B: number,
  vals: Float32Array,
  idx: Int32Array,
  slots: number,
  out: Float64Array,
): void {
  const { d_in: d, W_dec, b_dec } = sae;
  for (let b = 0; b < B; b++) {
    const o = b * d;
    for (let i = 0; i < d; i++) out[o + i] = b_dec[i];
    for (let s = 0; s < slots; s++) {
      const v = vals[b * slots + s];
      if (!(v > 0)) continue;
      const wo = idx[b * slots + s] * d;
      for (let i = 0; i < d; i++) out[o + i] += v * W_dec[wo + i];
    }
  }
}

/** Evaluates a TopK SAE (with its own activation) on raw rows [n, d_in]. */
export async function evaluateSae(
  sae: Sae,
  data: Float32Array,
  opts: { batch?: number; runner?: SaeRunner; engine?: Engine } = {},
): Promise<EvalResult> {
  const d = sae.d_in;
  if (data.length % d !== 0) throw new SaeError(`evaluateSae: ${data.length} values is not a multiple of d_in=${d}`);
  const n = data.length / d;
  if (n === 0) throw new SaeError('evaluateSae: no rows to evaluate on');
  const runner = opts.runner ?? (await saeRunner(sae, { engine: opts.engine }));
  const batch = opts.batch ?? 1024;
  const acc = new FvuAccumulator(d);
  const fire = new Float64Array(sae.d_sae);
  let active = 0;
  const xh = new Float64Array(batch * d);
  try {
    for (let r0 = 0; r0 < n; r0 += batch) {
      const B = Math.min(batch, n - r0);
      const x = data.subarray(r0 * d, (r0 + B) * d);
      const xc = runner.centre(x, B);
      if (sae.architecture === 'topk') {
        const { vals, idx } = await runner.encoder.topk(xc, B, runner.rows, sae.b_enc);
        const k = sae.k!;
        decodeSlots(sae, B, vals, idx, k, xh);
        for (let t = 0; t < B * k; t++)
          if (vals[t] > 0) {
            active++;
            fire[idx[t]]++;
          }
      } else {
        const pre = await runner.encoder.pre(xc, B, runner.rows, sae.b_enc);
        active += decodeDense(sae, B, pre, xh, fire);
      }
      acc.add(x, xh, B);
    }
  } finally {
    if (!opts.runner) await runner.release();
  }
  let dead = 0;
  for (let j = 0; j < sae.d_sae; j++) if (fire[j] === 0) dead++;
  const fvu = acc.fvu();
  return {
    rows: n,
    fvu,
    explained_variance: 1 - fvu,
    l0: active / n,
    dead_fraction: dead / sae.d_sae,
    fireCounts: fire,
  };
}

/** JumpReLU (pre > threshold, pre > 0) or ReLU decode from full pre-activations; returns actives. */
export function decodeDense(sae: Sae, B: number, pre: Float32Array, out: Float64Array, fire?: Float64Array): number {
  const { d_in: d, d_sae: m, W_dec, b_dec, threshold } = sae;
  let active = 0;
  for (let b = 0; b < B; b++) {
    const o = b * d;
    for (let i = 0; i < d; i++) out[o + i] = b_dec[i];
    for (let j = 0; j < m; j++) {
      const v = pre[b * m + j];
      if (!(v > 0) || (threshold && !(v > threshold[j]))) continue;
      active++;
      if (fire) fire[j]++;
      const wo = j * d;
      for (let i = 0; i < d; i++) out[o + i] += v * W_dec[wo + i];
    }
  }
  return active;
}

// ---- baselines ----------------------------------------------------------------------------------

/** FVU of predicting every row by a fixed mean (the training mean): 1 when it is the rows' own mean. */
export function meanBaselineFvu(data: Float32Array, d: number, mean: Float64Array | Float32Array): number {
  const acc = new FvuAccumulator(d);
  const n = data.length / d;
  const xh = new Float64Array(n * d);
  for (let b = 0; b < n; b++) xh.set(mean, b * d);
  acc.add(data, xh, n);
  return acc.fvu();
}

let gramSession: ort.InferenceSession | undefined;

/** X^T X for X [n, d] through onnxruntime (Gemm transA). */
export async function gram(X: Float32Array, n: number, d: number): Promise<Float32Array> {
  if (!gramSession) {
    const gb = new GraphBuilder('gram');
    const x = gb.input('x', 'float32', ['N', 'D']);
    const [g] = gb.op('Gemm', [x, x], { transA: 1 }, [{ dtype: 'float32', shape: ['D', 'D'] }]);
    gb.output(g, 'g');
    gramSession = await ort.InferenceSession.create(gb.toBytes(), sessionOptions('cpu'));
  }
  const r = await gramSession.run({ x: new ort.Tensor('float32', X, [n, d]) });
  return r.g.data as Float32Array;
}

/**
 * Top-q principal subspace of the rows of `train` (subspace iteration on the covariance), and the
 * FVU on `test` of projecting (x - mean_train) onto it: the dense baseline with as many
 * dimensions as the SAE has active latents.
 */
export async function pcaBaselineFvu(
  train: Float32Array,
  test: Float32Array,
  d: number,
  q: number,
  seed = 1,
): Promise<number> {
  const n = train.length / d;
  q = Math.min(q, d);
  if (n < 2) throw new SaeError('PCA baseline needs at least 2 training rows');
  const mean = new Float64Array(d);
  for (let b = 0; b < n; b++) for (let i = 0; i < d; i++) mean[i] += train[b * d + i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  const xc = new Float32Array(n * d);
  for (let b = 0; b < n; b++) for (let i = 0; i < d; i++) xc[b * d + i] = train[b * d + i] - mean[i];
  const C = await gram(xc, n, d);
  // Subspace iteration: Q <- orth(C Q) until the captured variance settles.
  let s = seed >>> 0 || 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5;
  let Q = new Float64Array(d * q).map(rand); // column-major: column c at [c * d, (c + 1) * d)
  orthonormalize(Q, d, q);
  let prev = -1;
  for (let it = 0; it < 100; it++) {
    const Z = new Float64Array(d * q);
    for (let c = 0; c < q; c++) {
      const qo = c * d;
      for (let r = 0; r < d; r++) {
        let acc = 0;
        const co = r * d;
        for (let i = 0; i < d; i++) acc += C[co + i] * Q[qo + i];
        Z[qo + r] = acc;
      }
    }
    let captured = 0;
    for (let t = 0; t < d * q; t++) captured += Z[t] * Q[t];
    orthonormalize(Z, d, q);
    Q = Z;
    if (Math.abs(captured - prev) <= 1e-7 * Math.abs(captured)) break;
    prev = captured;
  }
  // FVU on test rows.
  const m = test.length / d;
  const tm = new Float64Array(d);
  for (let b = 0; b < m; b++) for (let i = 0; i < d; i++) tm[i] += test[b * d + i];
  for (let i = 0; i < d; i++) tm[i] /= m;
  let sse = 0;
  let sst = 0;
  const v = new Float64Array(d);
  for (let b = 0; b < m; b++) {
    let nrm = 0;
    for (let i = 0; i < d; i++) {
      v[i] = test[b * d + i] - mean[i];
      nrm += v[i] * v[i];
      const t = test[b * d + i] - tm[i];
      sst += t * t;
    }
    let proj = 0;
    for (let c = 0; c < q; c++) {
      let p = 0;
      for (let i = 0; i < d; i++) p += Q[c * d + i] * v[i];
      proj += p * p;
    }
    sse += Math.max(0, nrm - proj);
  }
  return sst > 0 ? sse / sst : NaN;
}

function orthonormalize(Q: Float64Array, d: number, q: number): void {
  for (let c = 0; c < q; c++) {
    const co = c * d;
    // Degenerate directions (rank-deficient data) are replaced by basis vectors e_t.
    for (let t = -1; t < d; t++) {
      if (t >= 0) for (let i = 0; i < d; i++) Q[co + i] = i === t ? 1 : 0;
      let n0 = 0;
      for (let i = 0; i < d; i++) n0 += Q[co + i] * Q[co + i];
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          const po = p * d;
          let dot = 0;
          for (let i = 0; i < d; i++) dot += Q[co + i] * Q[po + i];
          for (let i = 0; i < d; i++) Q[co + i] -= dot * Q[po + i];
        }
      }
      let nrm = 0;
      for (let i = 0; i < d; i++) nrm += Q[co + i] * Q[co + i];
      nrm = Math.sqrt(nrm);
      if (nrm > 1e-6 * Math.sqrt(n0)) {
        for (let i = 0; i < d; i++) Q[co + i] /= nrm;
        break;
      }
    }
  }
}
