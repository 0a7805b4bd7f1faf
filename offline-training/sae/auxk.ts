// AuxK, the auxiliary loss of TopK SAEs against dead latents (Gao et al. 2024, "Scaling and
// evaluating sparse autoencoders", section A.2): each step, the k_aux dead latents (not fired for
// `deadTokens` tokens) with the largest pre-activations reconstruct the main reconstruction's
// residual e = x - x_hat; the loss is coef * ||e_hat - e||^2 / var(e) (1/32 in the paper), so dead
// latents get gradient and come back. Everything AuxK lives here: the dead-latent request the
// encoder's second TopK reads, the loss scale, the residual-variance normaliser and the gradient
// rows. The step's shared scalars and partial slots for it (SLOT_*AUX*, PARTIAL_AUXK_*) are part of
// the step layout in kernels.ts.
//
// Loaded by worker threads with Node's built-in type stripping: erasable TypeScript only.
import {
  partialStride,
  PARTIAL_AUXK_SSE,
  PARTIAL_RESIDUAL_SQ,
  PARTIAL_SCALARS,
  SLOT_AUXK_SCALE,
  SLOT_BATCH,
  SLOT_K_AUX,
  SLOT_MSE_SCALE,
  type StepState,
} from './kernels.ts';

/** The AuxK part of a TopK request: a mask added to the pre-activations (0 for dead latents, -1e30 for live ones), and k over the dead ones. */
export interface AuxKRequest {
  mask: Float32Array;
  kAux: number;
}

/**
 * This step's AuxK request, or undefined when no latent is dead or kAux is 0: fills `mask` [m] from
 * the tokens since each latent last fired, and takes k = min(kAux, nDead).
 */
export function auxKRequest(
  sinceFired: Float64Array,
  deadTokens: number,
  kAux: number,
  nDead: number,
  mask: Float32Array,
): AuxKRequest | undefined {
  if (!(nDead > 0 && kAux > 0)) return undefined;
  for (let j = 0; j < mask.length; j++) mask[j] = sinceFired[j] >= deadTokens ? 0 : -1e30;
  return { mask, kAux: Math.min(kAux, nDead) };
}

/**
 * The AuxK gradient scale coef * min(nDead / kAux, 1) * 2 / var(e): with fewer dead latents than
 * k_aux the loss is scaled down (as in sparsify).
 */
export function auxKScale(auxCoef: number, nDead: number, kAux: number, residualVar: number): number {
  return (auxCoef * Math.min(nDead / kAux, 1) * 2) / residualVar;
}

/** The AuxK normaliser: variance of the residual over the batch, from mseGradRows' partials. */
export function residualVariance(S: StepState): number {
  const { d } = S;
  const B = S.scal[SLOT_BATCH];
  const st = partialStride(d);
  let eSq = 0;
  const eSum = new Float64Array(d);
  for (let w = 0; w < S.ranges; w++) {
    eSq += S.partial[w * st + PARTIAL_RESIDUAL_SQ];
    const ce = w * st + PARTIAL_SCALARS + 3 * d;
    for (let i = 0; i < d; i++) eSum[i] += S.partial[ce + i];
  }
  let v = eSq;
  for (let i = 0; i < d; i++) v -= (eSum[i] * eSum[i]) / B;
  return v;
}

/**
 * AuxK phase over samples [b0, b1): e_hat = sum z_aux W_dec[j] over the dead latents' TopK, and its
 * gradient rows Gaux = coef * 2 (e_hat - e) / var(e) (Gao et al.'s normalized MSE on the residual e).
 */
export function auxKGradRows(S: StepState, w: number, b0: number, b1: number): void {
  const { d, Wd, G, Gaux, auxVals, auxIdx } = S;
  const c = S.scal[SLOT_MSE_SCALE];
  const ca = S.scal[SLOT_AUXK_SCALE];
  const ka = S.scal[SLOT_K_AUX];
  const xh = new Float64Array(d);
  let auxSse = 0;
  for (let b = b0; b < b1; b++) {
    const xo = b * d;
    const so = b * ka;
    for (let i = 0; i < d; i++) xh[i] = 0;
    for (let s = 0; s < ka; s++) {
      const v = auxVals[so + s];
      if (!(v > 0)) continue;
      const wo = auxIdx[so + s] * d;
      for (let i = 0; i < d; i++) xh[i] += v * Wd[wo + i];
    }
    // e_hat - e = e_hat + (x_hat - x), and x_hat - x = G / c.
    for (let i = 0; i < d; i++) {
      const diff = xh[i] + G[xo + i] / c;
      auxSse += diff * diff;
      Gaux[xo + i] = diff * ca;
    }
  }
  S.partial[w * partialStride(d) + PARTIAL_AUXK_SSE] = auxSse;
}
