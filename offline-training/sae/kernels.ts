// The TypeScript half of a TopK SAE training step (the encoder GEMM + TopK runs in onnxruntime,
// or in tsEncoderPre/tsTopK below for the plain-TypeScript baseline): the step layout (StepState,
// its shared scalars and partial slots), sparse decode and the MSE gradient (mseGradRows), and the
// sparse backward (latentBackwardAndAdam: decoder-gradient projection, Adam from adam.ts, decoder
// renormalisation). The AuxK gradient is in auxk.ts, the phase dispatch in phases.ts.
//
// Layout: the encoder is kept as rows We[j] = W_enc[:, j] ([d_sae, d_in], sparsify's
// encoder.weight), so that a latent's decoder row, encoder row and their Adam moments are all
// contiguous. A step runs in phases over ranges (samples for the gradient rows, latents for the
// backward), so a pool of worker threads can split them (step-pool.ts); every array lives in one
// `StepState` whose typed arrays may sit on SharedArrayBuffers. Per-range partial sums are reduced in a fixed
// order, so a step is deterministic for a given number of ranges.
//
// This file is loaded by worker threads with Node's built-in type stripping: erasable TypeScript
// only (no enums, no parameter properties, no namespaces).

import { adamStepOf, adamUpdate, renormalise, type AdamConfig, type AdamState, type AdamStep } from './adam.ts';

/** Training weights: We [m, d] (rows of W_enc), Wd [m, d], be [m], bd [d]. */
export interface SaeParams {
  d: number;
  m: number;
  /** Encoder rows [m, d] (W_enc transposed). */
  We: Float32Array;
  /** Decoder rows [m, d], unit norm. */
  Wd: Float32Array;
  be: Float32Array;
  bd: Float32Array;
}

/** Partial sums per range (reduced in range order): these scalars, then colSum, colSq, gbd, eSum (d each). */
export const PARTIAL_SSE = 0;
/** Sum of squared residuals (x - x_hat), for the AuxK normaliser. */
export const PARTIAL_RESIDUAL_SQ = 1;
/** AuxK reconstruction error. */
export const PARTIAL_AUXK_SSE = 2;
/** Latents that got an AuxK gradient. */
export const PARTIAL_AUXK_LATENTS = 3;
/** Number of scalar slots before the per-dimension sums. */
export const PARTIAL_SCALARS = 4;
/** Float64 slots one range's partial sums take: the scalars, then colSum, colSq, gbd, eSum (d each). */
export const partialStride = (d: number) => PARTIAL_SCALARS + 4 * d;

/** Slots of the step's scalars (`StepState.scal`, a Float64Array the worker threads share). */
/** Tokens in the batch, B. */
export const SLOT_BATCH = 0;
/** d MSE / d x_hat per element: 2 / (B d). */
export const SLOT_MSE_SCALE = 1;
/** AuxK gradient scale: auxCoef * min(dead / kAux, 1) * 2 / var(residual). */
export const SLOT_AUXK_SCALE = 2;
/** 1 when this step has an AuxK term (some latents dead), else 0. */
export const SLOT_USE_AUXK = 3;
/** k of the AuxK TopK this step. */
export const SLOT_K_AUX = 4;
/** Adam beta1 and beta2. */
export const SLOT_BETA1 = 5;
/** (see SLOT_BETA1) */
export const SLOT_BETA2 = 6;
/** lr / (1 - beta1^t): Adam's step size with the first-moment bias correction folded in. */
export const SLOT_STEP_SIZE = 7;
/** 1 / sqrt(1 - beta2^t): Adam's second-moment bias correction. */
export const SLOT_INV_SQRT_BC2 = 8;
/** Adam epsilon. */
export const SLOT_EPS = 9;

/** Everything a step reads and writes: the weights and Adam moments (copied in), the batch and its buffers. */
export interface StepState extends SaeParams, Omit<AdamState, 't'> {
  k: number;
  /** Largest AuxK k. */
  kAux: number;
  /** Largest batch. */
  cap: number;
  /** Number of ranges (threads) a phase is split into. */
  ranges: number;
  /** Batch [cap, d], x - b_dec, and the per-sample d loss / d x_hat for MSE and AuxK. */
  x: Float32Array;
  xc: Float32Array;
  G: Float32Array;
  Gaux: Float32Array;
  /** Main TopK [cap, k] and AuxK TopK [cap, kAux]. */
  vals: Float32Array;
  idx: Int32Array;
  auxVals: Float32Array;
  auxIdx: Int32Array;
  /** Latent-major entries (sample, activation, from AuxK): latent j owns [start[j], start[j+1]). */
  start: Int32Array;
  entB: Int32Array;
  entZ: Float32Array;
  entAux: Uint8Array;
  /** 1 where a latent fired (main TopK, value > 0) in this batch. */
  fired: Uint8Array;
  /** Rows ever given a gradient (Adam moments of the others are exactly zero: nothing to do). */
  ever: Uint8Array;
  /** [ranges * partialStride(d)] */
  partial: Float64Array;
  scal: Float64Array;
  /** Latent range boundaries for the backward [ranges + 1], balanced by work. */
  bounds: Int32Array;
}

/** Where a StepState's arrays live: the heap, or SharedArrayBuffers for worker threads. */
export type Alloc = {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
  u8(n: number): Uint8Array;
  f64(n: number): Float64Array;
};

/** Ordinary typed arrays (one thread). */
export const heapAlloc: Alloc = {
  f32: (n) => new Float32Array(n),
  i32: (n) => new Int32Array(n),
  u8: (n) => new Uint8Array(n),
  f64: (n) => new Float64Array(n),
};

/** Typed arrays on SharedArrayBuffers (worker threads). */
export const sharedAlloc: Alloc = {
  f32: (n) => new Float32Array(new SharedArrayBuffer(4 * n)),
  i32: (n) => new Int32Array(new SharedArrayBuffer(4 * n)),
  u8: (n) => new Uint8Array(new SharedArrayBuffer(n)),
  f64: (n) => new Float64Array(new SharedArrayBuffer(8 * n)),
};

/**
 * Allocates a StepState for batches up to `cap` tokens split into `ranges` ranges, with `a` (heap or
 * SharedArrayBuffer memory); the weights and Adam moments are copied in.
 */
export function allocState(
  o: { d: number; m: number; k: number; kAux: number; cap: number; ranges: number },
  params: SaeParams,
  adam: AdamState,
  a: Alloc,
): StepState {
  const { d, m, k, kAux, cap, ranges } = o;
  const copy = (src: Float32Array) => {
    const t = a.f32(src.length);
    t.set(src);
    return t;
  };
  return {
    d,
    m,
    k,
    kAux,
    cap,
    ranges,
    We: copy(params.We),
    Wd: copy(params.Wd),
    be: copy(params.be),
    bd: copy(params.bd),
    mWe: copy(adam.mWe),
    vWe: copy(adam.vWe),
    mWd: copy(adam.mWd),
    vWd: copy(adam.vWd),
    mbe: copy(adam.mbe),
    vbe: copy(adam.vbe),
    mbd: copy(adam.mbd),
    vbd: copy(adam.vbd),
    x: a.f32(cap * d),
    xc: a.f32(cap * d),
    G: a.f32(cap * d),
    Gaux: a.f32(cap * d),
    vals: a.f32(cap * k),
    idx: a.i32(cap * k),
    auxVals: a.f32(cap * Math.max(1, kAux)),
    auxIdx: a.i32(cap * Math.max(1, kAux)),
    start: a.i32(m + 1),
    entB: a.i32(cap * (k + kAux)),
    entZ: a.f32(cap * (k + kAux)),
    entAux: a.u8(cap * (k + kAux)),
    fired: a.u8(m),
    ever: a.u8(m),
    partial: a.f64(ranges * partialStride(d)),
    scal: a.f64(16),
    bounds: a.i32(ranges + 1),
  };
}

/** Samples [b0, b1) that range `w` of `ranges` takes in a batch of B. */
export function sampleRange(B: number, ranges: number, w: number): [number, number] {
  return [Math.floor((B * w) / ranges), Math.floor((B * (w + 1)) / ranges)];
}

/**
 * Forward and MSE gradient over samples [b0, b1): sparse decode x_hat = b_dec + sum z W_dec[j], the MSE gradient
 * rows G = 2 (x_hat - x) / (B d), and partial sums (sse, column moments of x, sum of G for b_dec,
 * moments of the residual for the AuxK normaliser).
 */
export function mseGradRows(S: StepState, w: number, b0: number, b1: number): void {
  const { d, k, Wd, bd, x, G, vals, idx } = S;
  const c = S.scal[SLOT_MSE_SCALE];
  const P = S.partial;
  const po = w * partialStride(d);
  const cs = po + PARTIAL_SCALARS;
  const cq = cs + d;
  const cg = cq + d;
  const ce = cg + d;
  P.fill(0, po, po + partialStride(d));
  let sse = 0;
  let eSq = 0;
  const xh = new Float64Array(d);
  for (let b = b0; b < b1; b++) {
    const xo = b * d;
    const so = b * k;
    for (let i = 0; i < d; i++) xh[i] = bd[i];
    for (let s = 0; s < k; s++) {
      const v = vals[so + s];
      if (!(v > 0)) continue;
      const wo = idx[so + s] * d;
      for (let i = 0; i < d; i++) xh[i] += v * Wd[wo + i];
    }
    for (let i = 0; i < d; i++) {
      const xv = x[xo + i];
      const e = xh[i] - xv;
      sse += e * e;
      P[cs + i] += xv;
      P[cq + i] += xv * xv;
      const gi = e * c;
      G[xo + i] = gi;
      P[cg + i] += gi;
      P[ce + i] -= e; // residual x - x_hat
      eSq += e * e;
    }
  }
  P[po + PARTIAL_SSE] = sse;
  P[po + PARTIAL_RESIDUAL_SQ] = eSq;
}

/**
 * Buckets the batch's positive activations by latent (counting sort; samples stay in order within
 * a latent), marks fired latents, and splits the latents into `ranges` ranges of about equal
 * backward work. Returns the number of main-TopK activations.
 */
export function bucketByLatent(S: StepState, B: number): number {
  const { m, k, vals, idx, auxVals, auxIdx, start, ever } = S;
  const useAux = S.scal[SLOT_USE_AUXK] === 1;
  const ka = S.scal[SLOT_K_AUX];
  start.fill(0);
  for (let t = 0; t < B * k; t++) if (vals[t] > 0) start[idx[t] + 1]++;
  if (useAux) for (let t = 0; t < B * ka; t++) if (auxVals[t] > 0) start[auxIdx[t] + 1]++;
  // Work per latent, in units of one entry (~3 passes over d); Adam on a row costs about 2.
  let total = 0;
  for (let j = 0; j < m; j++) total += start[j + 1] + (start[j + 1] > 0 || ever[j] ? 2 : 0.05);
  const R = S.ranges;
  S.bounds[0] = 0;
  let acc = 0;
  let r = 1;
  for (let j = 0; j < m && r < R; j++) {
    acc += start[j + 1] + (start[j + 1] > 0 || ever[j] ? 2 : 0.05);
    while (r < R && acc >= (total * r) / R) S.bounds[r++] = j + 1;
  }
  while (r <= R) S.bounds[r++] = m;
  for (let j = 0; j < m; j++) start[j + 1] += start[j];
  const fill = start.slice(0, m);
  let active = 0;
  for (let b = 0; b < B; b++) {
    active += bucketRow(S, fill, vals, idx, b, k, 0);
    if (useAux) bucketRow(S, fill, auxVals, auxIdx, b, ka, 1);
  }
  return active;
}

/**
 * Sample b's positive activations of one TopK (main, aux 0, marking their latents fired; or AuxK,
 * aux 1) into their latents' next entries; returns how many it placed.
 */
function bucketRow(
  S: StepState,
  fill: Int32Array,
  vals: Float32Array,
  idx: Int32Array,
  b: number,
  width: number,
  aux: 0 | 1,
): number {
  const { entB, entZ, entAux, fired } = S;
  let placed = 0;
  for (let s = 0; s < width; s++) {
    const v = vals[b * width + s];
    if (!(v > 0)) continue;
    const j = idx[b * width + s];
    const e = fill[j]++;
    entB[e] = b;
    entZ[e] = v;
    entAux[e] = aux;
    if (aux === 0) fired[j] = 1;
    placed++;
  }
  return placed;
}

/**
 * The sparse backward and the optimiser step over latents [j0, j1): each latent's decoder and encoder gradient rows are summed over
 * its entries into L1-resident accumulators (no dense gradient arrays), the decoder gradient loses
 * its component along the unit decoder row, and Adam updates the encoder row, the decoder row
 * (then renormalised to unit norm) and the encoder bias at once. Latents without entries take
 * Adam's zero-gradient update (moments decay, weights still move), exactly as dense Adam would.
 * b_dec's gradient through the encoder input (-sum_j g_pre_j We[j]) goes into this range's partial.
 */
export function latentBackwardAndAdam(S: StepState, w: number, j0: number, j1: number): void {
  const { d, We, Wd, be, mWe, vWe, mWd, vWd, mbe, vbe, G, Gaux, xc, start, entB, entZ, entAux, ever } = S;
  const h = adamStepIn(S.scal);
  const P = S.partial;
  const po = w * partialStride(d);
  const cg = po + PARTIAL_SCALARS + 2 * d;
  const accD = new Float64Array(d);
  const accE = new Float64Array(d);
  const gBias = new Float64Array(1);
  let auxLatents = 0;
  for (let j = j0; j < j1; j++) {
    const e0 = start[j];
    const e1 = start[j + 1];
    const o = j * d;
    let gb = 0;
    if (e0 === e1) {
      if (ever[j] === 0) continue; // zero moments: Adam leaves the row and its bias as they are
      adamUpdate(We, mWe, vWe, undefined, 0, o, d, h);
      renormalise(Wd, o, d, adamUpdate(Wd, mWd, vWd, undefined, 0, o, d, h));
    } else {
      ever[j] = 1;
      accD.fill(0);
      accE.fill(0);
      let hasAux = false;
      for (let e = e0; e < e1; e++) {
        const go = entB[e] * d;
        const z = entZ[e];
        const isAux = entAux[e] === 1;
        const Gs = isAux ? Gaux : G;
        if (isAux) hasAux = true;
        const dz = dotF32(Gs, go, Wd, o, d);
        for (let i = 0; i < d; i++) {
          accD[i] += z * Gs[go + i];
          accE[i] += dz * xc[go + i];
        }
        gb += dz;
      }
      if (hasAux) auxLatents++;
      // b_dec enters the encoder input: d pre_j / d b_dec = -We[j] (before We is updated).
      for (let i = 0; i < d; i++) P[cg + i] -= gb * We[o + i];
      // Decoder rows stay unit norm: drop the gradient component along the row.
      let par = 0;
      for (let i = 0; i < d; i++) par += accD[i] * Wd[o + i];
      for (let i = 0; i < d; i++) accD[i] -= par * Wd[o + i];
      adamUpdate(We, mWe, vWe, accE, 0, o, d, h);
      renormalise(Wd, o, d, adamUpdate(Wd, mWd, vWd, accD, 0, o, d, h));
    }
    gBias[0] = gb;
    adamUpdate(be, mbe, vbe, gBias, 0, j, 1, h);
  }
  P[po + PARTIAL_AUXK_LATENTS] = auxLatents;
}

/** Sets the step scalars (Adam's bias corrections for step t = adam.t after increment). */
export function setScalars(S: StepState, B: number, cfg: AdamConfig, lr: number, t: number): void {
  S.scal[SLOT_BATCH] = B;
  S.scal[SLOT_MSE_SCALE] = 2 / (B * S.d);
  const h = adamStepOf(cfg, lr, t);
  S.scal[SLOT_BETA1] = h.b1;
  S.scal[SLOT_BETA2] = h.b2;
  S.scal[SLOT_STEP_SIZE] = h.stepSize;
  S.scal[SLOT_INV_SQRT_BC2] = h.invSqrtBc2;
  S.scal[SLOT_EPS] = h.eps;
}

/** The step's Adam hyper-parameters as setScalars left them in the shared scalars. */
function adamStepIn(scal: Float64Array): AdamStep {
  return {
    b1: scal[SLOT_BETA1],
    b2: scal[SLOT_BETA2],
    stepSize: scal[SLOT_STEP_SIZE],
    invSqrtBc2: scal[SLOT_INV_SQRT_BC2],
    eps: scal[SLOT_EPS],
  };
}

/** A step's reconstruction figures: SSE, SST, active latents, AuxK loss and latents. */
export interface StepStats {
  /** Sum over the batch of ||x - x_hat||^2. */
  sse: number;
  /** Sum over the batch of ||x - mean(x)||^2. */
  sst: number;
  /** Active (positive) latents summed over the batch. */
  active: number;
  /** AuxK loss (normalised MSE of the residual prediction), 0 when no latent is dead. */
  auxLoss: number;
  /** Dead latents that took part in AuxK. */
  auxLatents: number;
}

/** Reduces the partials in range order, applies b_dec's Adam update, and returns the statistics. */
export function finishStep(S: StepState, B: number, active: number, eVar: number): StepStats {
  const { d, bd, mbd, vbd } = S;
  const st = partialStride(d);
  let sse = 0;
  let auxSse = 0;
  let auxLatents = 0;
  const colSum = new Float64Array(d);
  const colSq = new Float64Array(d);
  const gbd = new Float64Array(d);
  for (let w = 0; w < S.ranges; w++) {
    const po = w * st;
    sse += S.partial[po + PARTIAL_SSE];
    auxSse += S.partial[po + PARTIAL_AUXK_SSE];
    auxLatents += S.partial[po + PARTIAL_AUXK_LATENTS];
    for (let i = 0; i < d; i++) {
      colSum[i] += S.partial[po + PARTIAL_SCALARS + i];
      colSq[i] += S.partial[po + PARTIAL_SCALARS + d + i];
      gbd[i] += S.partial[po + PARTIAL_SCALARS + 2 * d + i];
    }
  }
  let sst = 0;
  for (let i = 0; i < d; i++) sst += colSq[i] - (colSum[i] * colSum[i]) / B;
  adamUpdate(bd, mbd, vbd, gbd, 0, 0, d, adamStepIn(S.scal));
  const useAux = S.scal[SLOT_USE_AUXK] === 1;
  return { sse, sst, active, auxLoss: useAux && eVar > 0 ? auxSse / eVar : 0, auxLatents: useAux ? auxLatents : 0 };
}

/** sum a[ao + i] * b[bo + i] with four independent accumulators. */
function dotF32(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const d4 = d - (d & 3);
  let i = 0;
  for (; i < d4; i += 4) {
    s0 += a[ao + i] * b[bo + i];
    s1 += a[ao + i + 1] * b[bo + i + 1];
    s2 += a[ao + i + 2] * b[bo + i + 2];
    s3 += a[ao + i + 3] * b[bo + i + 3];
  }
  for (; i < d; i++) s0 += a[ao + i] * b[bo + i];
  return s0 + s1 + s2 + s3;
}

/** Tokens-since-last-fired bookkeeping; clears `fired`. Returns the number of dead latents. */
export function updateDead(sinceFired: Float64Array, fired: Uint8Array, B: number, deadTokens: number): number {
  let dead = 0;
  for (let j = 0; j < sinceFired.length; j++) {
    if (fired[j]) {
      sinceFired[j] = 0;
      fired[j] = 0;
    } else sinceFired[j] += B;
    if (sinceFired[j] >= deadTokens) dead++;
  }
  return dead;
}

/** xc = x - b_dec. */
export function centre(x: Float32Array, bd: Float32Array, B: number, d: number, out: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const o = b * d;
    for (let i = 0; i < d; i++) out[o + i] = x[o + i] - bd[i];
  }
}

// ---- plain-TypeScript encoder (baseline and fallback) -------------------------------------------

/** pre = xc @ We^T + be as [B, m], register-blocked 4 x 4 dot products. */
// One function on purpose (hot kernel, the plain-TS step of bench/sae.ts): the 4 x 4 block's 16 accumulators stay in registers only as locals of one loop body.
export function tsEncoderPre(
  xc: Float32Array,
  We: Float32Array,
  be: Float32Array,
  B: number,
  d: number,
  m: number,
  out: Float32Array,
): void {
  const B4 = B - (B % 4);
  const m4 = m - (m % 4);
  for (let b = 0; b < B4; b += 4) {
    const x0 = b * d,
      x1 = x0 + d,
      x2 = x1 + d,
      x3 = x2 + d;
    for (let j = 0; j < m4; j += 4) {
      const w0 = j * d,
        w1 = w0 + d,
        w2 = w1 + d,
        w3 = w2 + d;
      let a00 = 0,
        a01 = 0,
        a02 = 0,
        a03 = 0,
        a10 = 0,
        a11 = 0,
        a12 = 0,
        a13 = 0;
      let a20 = 0,
        a21 = 0,
        a22 = 0,
        a23 = 0,
        a30 = 0,
        a31 = 0,
        a32 = 0,
        a33 = 0;
      for (let i = 0; i < d; i++) {
        const v0 = xc[x0 + i],
          v1 = xc[x1 + i],
          v2 = xc[x2 + i],
          v3 = xc[x3 + i];
        const u0 = We[w0 + i],
          u1 = We[w1 + i],
          u2 = We[w2 + i],
          u3 = We[w3 + i];
        a00 += v0 * u0;
        a01 += v0 * u1;
        a02 += v0 * u2;
        a03 += v0 * u3;
        a10 += v1 * u0;
        a11 += v1 * u1;
        a12 += v1 * u2;
        a13 += v1 * u3;
        a20 += v2 * u0;
        a21 += v2 * u1;
        a22 += v2 * u2;
        a23 += v2 * u3;
        a30 += v3 * u0;
        a31 += v3 * u1;
        a32 += v3 * u2;
        a33 += v3 * u3;
      }
      const o0 = b * m + j,
        o1 = o0 + m,
        o2 = o1 + m,
        o3 = o2 + m;
      out[o0] = a00 + be[j];
      out[o0 + 1] = a01 + be[j + 1];
      out[o0 + 2] = a02 + be[j + 2];
      out[o0 + 3] = a03 + be[j + 3];
      out[o1] = a10 + be[j];
      out[o1 + 1] = a11 + be[j + 1];
      out[o1 + 2] = a12 + be[j + 2];
      out[o1 + 3] = a13 + be[j + 3];
      out[o2] = a20 + be[j];
      out[o2 + 1] = a21 + be[j + 1];
      out[o2 + 2] = a22 + be[j + 2];
      out[o2 + 3] = a23 + be[j + 3];
      out[o3] = a30 + be[j];
      out[o3 + 1] = a31 + be[j + 1];
      out[o3 + 2] = a32 + be[j + 2];
      out[o3 + 3] = a33 + be[j + 3];
    }
  }
  // Remainders.
  for (let b = 0; b < B; b++) {
    for (let j = b < B4 ? m4 : 0; j < m; j++) {
      let a = be[j];
      const xo = b * d,
        wo = j * d;
      for (let i = 0; i < d; i++) a += xc[xo + i] * We[wo + i];
      out[b * m + j] = a;
    }
  }
}

/** Per row of pre [B, m] (plus an optional per-latent mask added first), the k largest: values and indices. */
export function tsTopK(
  pre: Float32Array,
  B: number,
  m: number,
  k: number,
  vals: Float32Array,
  idx: Int32Array,
  mask?: Float32Array,
): void {
  const hv = new Float64Array(k);
  const hi = new Int32Array(k);
  for (let b = 0; b < B; b++) {
    const o = b * m;
    let size = 0;
    for (let j = 0; j < m; j++) {
      const v = mask ? pre[o + j] + mask[j] : pre[o + j];
      if (size < k) {
        // sift up (min-heap; ties: larger index is "smaller" so lower indices win)
        let c = size++;
        hv[c] = v;
        hi[c] = j;
        while (c > 0) {
          const par = (c - 1) >> 1;
          if (hv[c] < hv[par] || (hv[c] === hv[par] && hi[c] > hi[par])) {
            const tv = hv[c];
            hv[c] = hv[par];
            hv[par] = tv;
            const ti = hi[c];
            hi[c] = hi[par];
            hi[par] = ti;
            c = par;
          } else break;
        }
      } else if (v > hv[0]) {
        hv[0] = v;
        hi[0] = j;
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          const r = l + 1;
          let s = c;
          if (l < k && (hv[l] < hv[s] || (hv[l] === hv[s] && hi[l] > hi[s]))) s = l;
          if (r < k && (hv[r] < hv[s] || (hv[r] === hv[s] && hi[r] > hi[s]))) s = r;
          if (s === c) break;
          const tv = hv[c];
          hv[c] = hv[s];
          hv[s] = tv;
          const ti = hi[c];
          hi[c] = hi[s];
          hi[s] = ti;
          c = s;
        }
      }
    }
    for (let s = 0; s < k; s++) {
      vals[b * k + s] = hv[s];
      idx[b * k + s] = hi[s];
    }
  }
}
