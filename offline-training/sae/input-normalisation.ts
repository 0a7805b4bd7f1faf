// The SAE's input normalisation (Gao et al. 2024 train on inputs scaled to a fixed norm): training
// sees x_n = (x - mean) * scale with E||x_n||^2 = d_in, mean and scale measured once on a training
// sample (and checkpointed, so a resumed run uses the same ones); the saved SAE has them folded into
// its weights, so it runs on raw activations: W_enc' = scale W_enc, W_dec' = W_dec / scale,
// b_dec' = mean + b_dec / scale (b_enc and the latent activations are unchanged).
import { SaeError } from './errors.ts';
import type { SaeParams } from './kernels.ts';
import type { Sae } from './model.ts';

/** The input normalisation x_n = (x - mean) * scale: per-dimension mean [d_in], and one scale. */
export interface InputNormalisation {
  mean: Float64Array;
  scale: number;
}

/**
 * Measures the normalisation on raw rows `sample` [n, d]: their mean, and the scale making the
 * centred rows' mean squared norm d. Throws SaeError when the rows have zero variance.
 */
export function measureNormalisation(sample: Float32Array, d: number): InputNormalisation {
  const n = sample.length / d;
  const mean = new Float64Array(d);
  for (let b = 0; b < n; b++) for (let i = 0; i < d; i++) mean[i] += sample[b * d + i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  let ss = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < d; i++) {
      const v = sample[b * d + i] - mean[i];
      ss += v * v;
    }
  }
  const ms = ss / n;
  if (!(ms > 0))
    throw new SaeError(`the training activations have zero variance (${n} rows sampled): nothing to learn`);
  return { mean, scale: Math.sqrt(d / ms) };
}

/** Normalises the rows x [n, d] in place: x <- (x - mean) * scale. */
export function normaliseRows(x: Float32Array, d: number, norm: InputNormalisation): void {
  const { mean, scale } = norm;
  const n = x.length / d;
  for (let b = 0; b < n; b++) {
    const o = b * d;
    for (let i = 0; i < d; i++) x[o + i] = (x[o + i] - mean[i]) * scale;
  }
}

/** The trained SAE on raw activations: normalisation folded into the weights. */
export function foldNormalization(
  p: SaeParams,
  k: number,
  mean: ArrayLike<number>,
  scale: number,
  cfg: Record<string, unknown>,
): Sae {
  const { d, m } = p;
  const W_enc = new Float32Array(d * m);
  const W_dec = new Float32Array(m * d);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < d; i++) {
      W_enc[i * m + j] = p.We[j * d + i] * scale;
      W_dec[j * d + i] = p.Wd[j * d + i] / scale;
    }
  }
  const b_dec = new Float32Array(d);
  for (let i = 0; i < d; i++) b_dec[i] = mean[i] + p.bd[i] / scale;
  return {
    architecture: 'topk',
    d_in: d,
    d_sae: m,
    k,
    applyBDecToInput: true,
    W_enc,
    W_dec,
    b_enc: p.be.slice(),
    b_dec,
    cfg,
  };
}
