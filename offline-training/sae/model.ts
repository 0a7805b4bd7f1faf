// A trained SAE in SAELens layout, and reference (plain TypeScript) encode/decode used by the
// format round trips, metrics and tests. The trainer's hot path lives in kernels.ts/encoder.ts.
import { SaeError } from './errors.ts';
import { tsTopK } from './kernels.ts';

/** SAE activations Gloss reads: TopK (Gao et al. 2024), JumpReLU (Rajamanoharan et al. 2024), ReLU. */
export type SaeArchitecture = 'topk' | 'jumprelu' | 'standard';

/**
 * An SAE on raw activations, SAELens layout: W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_enc, b_dec, threshold
 * for JumpReLU, k for TopK.
 */
export interface Sae {
  architecture: SaeArchitecture;
  d_in: number;
  d_sae: number;
  /** Active latents per token (topk only). */
  k?: number;
  /** Subtract b_dec before encoding (SAELens apply_b_dec_to_input; true for everything we train). */
  applyBDecToInput: boolean;
  /** [d_in, d_sae] row-major. */
  W_enc: Float32Array;
  /** [d_sae, d_in] row-major. */
  W_dec: Float32Array;
  b_enc: Float32Array;
  b_dec: Float32Array;
  /** JumpReLU per-latent thresholds [d_sae] (+Infinity: never fires). */
  threshold?: Float32Array;
  /** The cfg.json object this SAE was loaded from or will be saved with (extra fields kept). */
  cfg: Record<string, unknown>;
}

/** Sparse codes in CSR form: row r's latents are idx[ptr[r] .. ptr[r+1]). */
export interface SparseCodes {
  rows: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float32Array;
}

/**
 * Throws SaeError naming the tensor when an SAE's W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_enc, b_dec or
 * threshold has the wrong length.
 */
export function checkSaeShapes(sae: Sae, what = 'SAE'): void {
  const { d_in: d, d_sae: m } = sae;
  const want: [string, Float32Array | undefined, number][] = [
    ['W_enc', sae.W_enc, d * m],
    ['W_dec', sae.W_dec, m * d],
    ['b_enc', sae.b_enc, m],
    ['b_dec', sae.b_dec, d],
  ];
  if (sae.architecture === 'jumprelu') want.push(['threshold', sae.threshold, m]);
  for (const [name, a, n] of want) {
    if (!a || a.length !== n)
      throw new SaeError(`${what}: ${name} has ${a?.length ?? 0} values, expected ${n} (d_in=${d}, d_sae=${m})`);
  }
  if (sae.architecture === 'topk' && (!Number.isInteger(sae.k) || sae.k! < 1 || sae.k! > m)) {
    throw new SaeError(`${what}: topk needs an integer k in [1, d_sae=${m}], got ${sae.k}`);
  }
}

function checkInput(sae: Sae, x: Float32Array, what: string): number {
  if (x.length % sae.d_in !== 0) {
    throw new SaeError(
      `${what}: input has ${x.length} values, not a multiple of the SAE's d_in=${sae.d_in} (activations from another layer or model?)`,
    );
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0)
      throw new SaeError(
        `${what}: non-finite input value ${v} at row ${Math.floor(i / sae.d_in)}, column ${i % sae.d_in}`,
      );
  }
  return x.length / sae.d_in;
}

/** Pre-activations (x - b_dec) @ W_enc + b_enc for rows of x, as [n, d_sae] (or only `features`). */
export function preActivations(sae: Sae, x: Float32Array, features?: Int32Array): Float32Array {
  const n = checkInput(sae, x, 'preActivations');
  const { d_in: d, d_sae: m, W_enc, b_enc, b_dec } = sae;
  const f = features ?? Int32Array.from({ length: m }, (_, i) => i);
  const nf = f.length;
  for (const j of f) if (!(j >= 0 && j < m)) throw new SaeError(`feature index ${j} outside [0, ${m})`);
  const out = new Float32Array(n * nf);
  const xc = new Float64Array(d);
  const acc = new Float64Array(nf);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) xc[i] = x[r * d + i] - (sae.applyBDecToInput ? b_dec[i] : 0);
    for (let t = 0; t < nf; t++) acc[t] = b_enc[f[t]];
    for (let i = 0; i < d; i++) {
      const xi = xc[i];
      if (xi === 0) continue;
      const row = i * m;
      for (let t = 0; t < nf; t++) acc[t] += xi * W_enc[row + f[t]];
    }
    for (let t = 0; t < nf; t++) out[r * nf + t] = acc[t];
  }
  return out;
}

/**
 * Encodes rows of x into sparse codes with the SAE's own activation: TopK (then ReLU), JumpReLU
 * (pre > threshold and pre > 0), or ReLU. `features` restricts a JumpReLU or ReLU SAE to a subset
 * of latents (their codes are exactly those of the full SAE); TopK refuses a subset, since whether
 * a latent is in the top k depends on all the others.
 */
export function encode(
  sae: Sae,
  x: Float32Array,
  opts: { features?: Int32Array; activation?: SaeArchitecture } = {},
): SparseCodes {
  const act = opts.activation ?? sae.architecture;
  if (act === 'topk' && opts.features)
    throw new SaeError('a TopK SAE cannot encode a subset of features independently; use its JumpReLU thresholds');
  if (act === 'jumprelu' && !sae.threshold) throw new SaeError('this SAE has no JumpReLU thresholds');
  const pre = preActivations(sae, x, opts.features);
  const nf = opts.features?.length ?? sae.d_sae;
  const n = pre.length / nf || 0;
  const ptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  // TopK: the trainer's own selection (ties: lower index first), all rows at once.
  const k = act === 'topk' ? Math.min(sae.k ?? 0, nf) : 0;
  const sel = new Int32Array(n * k);
  if (k > 0) tsTopK(pre, n, nf, k, new Float32Array(n * k), sel);
  for (let r = 0; r < n; r++) {
    const off = r * nf;
    if (act === 'topk') {
      const s = Array.from(sel.subarray(r * k, (r + 1) * k)).sort((p, q) => p - q);
      for (const j of s)
        if (pre[off + j] > 0) {
          idx.push(j);
          val.push(pre[off + j]);
        }
    } else {
      for (let t = 0; t < nf; t++) {
        const v = pre[off + t];
        const j = opts.features ? opts.features[t] : t;
        if (v > 0 && (act !== 'jumprelu' || v > sae.threshold![j])) {
          idx.push(j);
          val.push(v);
        }
      }
    }
    ptr[r + 1] = idx.length;
  }
  return { rows: n, ptr, idx: Int32Array.from(idx), val: Float32Array.from(val) };
}

/** b_dec + sum of val * W_dec[idx] per row, as [rows, d_in]. */
export function decode(sae: Sae, codes: SparseCodes): Float32Array {
  const { d_in: d, W_dec, b_dec } = sae;
  const out = new Float32Array(codes.rows * d);
  const acc = new Float64Array(d);
  for (let r = 0; r < codes.rows; r++) {
    acc.set(b_dec);
    for (let p = codes.ptr[r]; p < codes.ptr[r + 1]; p++) {
      const v = codes.val[p];
      const row = codes.idx[p] * d;
      for (let i = 0; i < d; i++) acc[i] += v * W_dec[row + i];
    }
    out.set(acc, r * d);
  }
  return out;
}
