// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization") for the TopK SAE: the
// moments, the per-step hyper-parameters with both bias corrections folded in, and the one update
// rule every parameter (encoder and decoder rows, encoder and decoder biases) goes through.
//
// Loaded by worker threads with Node's built-in type stripping (through kernels.ts): erasable
// TypeScript only.

/** Adam's step count and moments for every parameter (same shapes as SaeParams). */
export interface AdamState {
  t: number;
  mWe: Float32Array;
  vWe: Float32Array;
  mWd: Float32Array;
  vWd: Float32Array;
  mbe: Float32Array;
  vbe: Float32Array;
  mbd: Float32Array;
  vbd: Float32Array;
}

/** Adam's hyper-parameters. */
export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** Zeroed Adam moments (Kingma & Ba 2015) for an SAE with d_in = d and m latents. */
export function newAdam(
  d: number,
  m: number,
  alloc: (n: number) => Float32Array = (n) => new Float32Array(n),
): AdamState {
  return {
    t: 0,
    mWe: alloc(m * d),
    vWe: alloc(m * d),
    mWd: alloc(m * d),
    vWd: alloc(m * d),
    mbe: alloc(m),
    vbe: alloc(m),
    mbd: alloc(d),
    vbd: alloc(d),
  };
}

/** One step's Adam hyper-parameters: betas, lr / (1 - beta1^t), 1 / sqrt(1 - beta2^t), epsilon. */
export interface AdamStep {
  b1: number;
  b2: number;
  stepSize: number;
  invSqrtBc2: number;
  eps: number;
}

/** The hyper-parameters of step t (t >= 1, counted after the increment) at learning rate lr. */
export function adamStepOf(cfg: AdamConfig, lr: number, t: number): AdamStep {
  return {
    b1: cfg.beta1,
    b2: cfg.beta2,
    stepSize: lr / (1 - cfg.beta1 ** t),
    invSqrtBc2: 1 / Math.sqrt(1 - cfg.beta2 ** t),
    eps: cfg.eps,
  };
}

/**
 * Adam's update of the n parameters P[o .. o + n) with moments M and V at the same offsets, gradient
 * g[go .. go + n) (float64 accumulators), or a zero gradient when g is undefined (moments decay,
 * parameters still move, exactly as dense Adam does for a latent with no entries this step).
 * Updates P, M and V in place and returns the sum of squares of the updated parameters (for a
 * caller that renormalises the row).
 */
export function adamUpdate(
  P: Float32Array,
  M: Float32Array,
  V: Float32Array,
  g: Float64Array | undefined,
  go: number,
  o: number,
  n: number,
  h: AdamStep,
): number {
  const { b1, b2, stepSize, invSqrtBc2, eps } = h;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const gi = g === undefined ? 0 : g[go + i];
    const mi = b1 * M[o + i] + c1 * gi;
    const vi = b2 * V[o + i] + c2 * gi * gi;
    M[o + i] = mi;
    V[o + i] = vi;
    const pi = P[o + i] - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
    P[o + i] = pi;
    ss += pi * pi;
  }
  return ss;
}

/** Scales the n parameters P[o .. o + n) to unit norm, given their sum of squares ss. */
export function renormalise(P: Float32Array, o: number, n: number, ss: number): void {
  const s = 1 / (Math.sqrt(ss) + 1e-12);
  for (let i = o; i < o + n; i++) P[i] *= s;
}
