// One TopK SAE (Gao et al. 2024) in normalised activation space and its optimizer state; `step`
// runs one training step on a batch: the encoder (Gemm + TopK, plus the AuxK TopK over dead
// latents) on onnxruntime, then the TypeScript phases of kernels.ts, split over worker threads.
// The trainer (trainer.ts) adds data, schedules, checkpoints and metrics; the benchmark times
// `step` directly.
import { mulberry32 } from '../util/random.ts';
import { createEncoder, type Engine, type SaeEncoder } from './encoder.ts';
import { auxKRequest, auxKScale, residualVariance } from './auxk.ts';
import {
  allocState,
  bucketByLatent,
  centre,
  finishStep,
  heapAlloc,
  setScalars,
  sharedAlloc,
  updateDead,
  SLOT_AUXK_SCALE,
  SLOT_K_AUX,
  SLOT_USE_AUXK,
  type SaeParams,
  type StepState,
  type StepStats,
} from './kernels.ts';
import { newAdam, type AdamConfig, type AdamState } from './adam.ts';
import {
  defaultThreads,
  PHASE_MSE_GRAD,
  PHASE_AUXK_GRAD,
  PHASE_BACKWARD,
  runSerial,
  StepPool,
  type Phase,
} from './step-pool.ts';

/** An SAE under training: sizes d, m, k, AuxK settings, seed and Adam settings. */
export interface CoreConfig {
  d: number;
  m: number;
  k: number;
  /** AuxK latents (at most; fewer when fewer are dead). */
  kAux: number;
  /** AuxK loss coefficient (1/32 in the paper). */
  auxCoef: number;
  /** A latent is dead after this many tokens without firing. */
  deadTokens: number;
  adam: AdamConfig;
  seed: number;
}

/** A step's figures plus the dead latent count and where its time went. */
export interface CoreStepStats extends StepStats {
  /** Dead latents after this step. */
  dead: number;
  /** Milliseconds in the encoder (onnxruntime or TS) and in the TypeScript rest of the step. */
  encoderMs: number;
  restMs: number;
}

function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Random unit decoder rows; the encoder starts as the decoder's transpose; biases zero. */
export function initParams(d: number, m: number, seed: number): SaeParams {
  const randn = gaussian(mulberry32(seed ^ 0x5ae0));
  const Wd = new Float32Array(m * d);
  for (let j = 0; j < m; j++) {
    let ss = 0;
    for (let i = 0; i < d; i++) {
      const v = randn();
      Wd[j * d + i] = v;
      ss += v * v;
    }
    const s = 1 / Math.sqrt(ss);
    for (let i = 0; i < d; i++) Wd[j * d + i] *= s;
  }
  return { d, m, We: Wd.slice(), Wd, be: new Float32Array(m), bd: new Float32Array(d) };
}

/** Where a step runs: engine, device, threads, largest batch, and a state to resume. */
export interface CoreOptions {
  engine?: Engine;
  device?: string;
  log?: (msg: string) => void;
  /** Threads for the TypeScript phases (default: cores, at most 8). 1 runs them on this thread. */
  threads?: number;
  /** Largest batch `step` will see (default 1024; larger batches reallocate). */
  maxBatch?: number;
  /** Resume state (from a checkpoint). */
  state?: { params: SaeParams; adam: AdamState; sinceFired: Float64Array; everTouched: Uint8Array };
}

/**
 * One TopK SAE under training: weights, Adam state and dead-latent counters, and `step()` (encoder on
 * onnxruntime or TypeScript, then the sparse backward on worker threads). Shapes: d = d_in, m = d_sae.
 */
export class SaeCore {
  readonly sinceFired: Float64Array;
  private readonly mask: Float32Array;
  private S!: StepState;
  private pool: StepPool | undefined;
  /** Adam's step count (the moments live in the shared state). */
  private t = 0;
  /** Milliseconds of the last step's TypeScript phases: A (+AuxK), bucketing, B (+b_dec). */
  readonly phaseMs = [0, 0, 0];
  private threads = 1;

  private constructor(
    readonly cfg: CoreConfig,
    readonly encoder: SaeEncoder,
    private readonly log: (msg: string) => void,
  ) {
    this.sinceFired = new Float64Array(cfg.m);
    this.mask = new Float32Array(cfg.m);
  }

  static async create(cfg: CoreConfig, opts: CoreOptions = {}): Promise<SaeCore> {
    const encoder = await createEncoder({
      d: cfg.d,
      m: cfg.m,
      k: cfg.k,
      engine: opts.engine,
      device: opts.device,
      log: opts.log,
    });
    const core = new SaeCore(cfg, encoder, opts.log ?? (() => undefined));
    const params = opts.state?.params ?? initParams(cfg.d, cfg.m, cfg.seed);
    const adam = opts.state?.adam ?? newAdam(cfg.d, cfg.m);
    core.t = adam.t;
    await core.allocate(opts.maxBatch ?? 1024, opts.threads ?? defaultThreads(), params, adam);
    if (opts.state) {
      core.sinceFired.set(opts.state.sinceFired);
      core.S.ever.set(opts.state.everTouched);
    }
    return core;
  }

  private async allocate(cap: number, threads: number, params: SaeParams, adam: AdamState): Promise<void> {
    const { d, m, k, kAux } = this.cfg;
    const ever = this.S?.ever;
    await this.pool?.release();
    this.pool = undefined;
    let ranges = Math.max(1, Math.floor(threads));
    if (ranges > 1) {
      this.S = allocState({ d, m, k, kAux, cap, ranges }, params, adam, sharedAlloc);
      try {
        this.pool = await StepPool.create(this.S);
      } catch (e) {
        this.log(
          `worker threads unavailable (${(e as Error).message.split('\n')[0]}); running the TypeScript step on one thread`,
        );
        ranges = 1;
      }
    }
    if (ranges === 1) this.S = allocState({ d, m, k, kAux, cap, ranges: 1 }, params, adam, heapAlloc);
    if (ever) this.S.ever.set(ever);
    this.threads = ranges;
  }

  /** Views of the current weights (shared with the step state; do not keep across steps). */
  get params(): SaeParams {
    const S = this.S;
    return { d: S.d, m: S.m, We: S.We, Wd: S.Wd, be: S.be, bd: S.bd };
  }

  get adam(): AdamState {
    const S = this.S;
    return {
      t: this.t,
      mWe: S.mWe,
      vWe: S.vWe,
      mWd: S.mWd,
      vWd: S.vWd,
      mbe: S.mbe,
      vbe: S.vbe,
      mbd: S.mbd,
      vbd: S.vbd,
    };
  }

  /** Rows that have Adam moments (checkpointed: a resumed run must visit the same rows). */
  get everTouched(): Uint8Array {
    return this.S.ever;
  }

  /** Threads the TypeScript phases run on. */
  get threadCount(): number {
    return this.threads;
  }

  numDead(): number {
    let n = 0;
    for (let j = 0; j < this.cfg.m; j++) if (this.sinceFired[j] >= this.cfg.deadTokens) n++;
    return n;
  }

  private async phase(p: Phase): Promise<void> {
    if (this.pool) await this.pool.run(p);
    else runSerial(this.S, p);
  }

  async step(x: Float32Array, B: number, lr: number): Promise<CoreStepStats> {
    const { d, kAux, deadTokens } = this.cfg;
    if (B > this.S.cap) await this.allocate(B, this.threads, this.params, this.adam);
    const S = this.S;
    const t0 = performance.now();
    S.x.set(x.subarray(0, B * d));
    const xc = S.xc.subarray(0, B * d);
    centre(S.x, S.bd, B, d, xc);
    const nDead = this.numDead();
    const aux = auxKRequest(this.sinceFired, deadTokens, kAux, nDead, this.mask);
    const t1 = performance.now();
    const out = await this.encoder.topk(xc, B, S.We, S.be, aux);
    const t2 = performance.now();
    S.vals.set(out.vals);
    S.idx.set(out.idx);
    if (aux) {
      S.auxVals.set(out.auxVals!);
      S.auxIdx.set(out.auxIdx!);
    }
    this.t += 1;
    setScalars(S, B, this.cfg.adam, lr, this.t);
    S.scal[SLOT_USE_AUXK] = 0;
    S.scal[SLOT_K_AUX] = aux ? aux.kAux : 0;
    await this.phase(PHASE_MSE_GRAD);
    let eVar = 0;
    if (aux) {
      eVar = residualVariance(S);
      if (eVar > 0) {
        S.scal[SLOT_AUXK_SCALE] = auxKScale(this.cfg.auxCoef, nDead, kAux, eVar);
        S.scal[SLOT_USE_AUXK] = 1;
        await this.phase(PHASE_AUXK_GRAD);
      }
    }
    const t3 = performance.now();
    const active = bucketByLatent(S, B);
    const t4 = performance.now();
    await this.phase(PHASE_BACKWARD);
    const stats = finishStep(S, B, active, eVar);
    const dead = updateDead(this.sinceFired, S.fired, B, deadTokens);
    const t5 = performance.now();
    this.phaseMs[0] = t3 - t2;
    this.phaseMs[1] = t4 - t3;
    this.phaseMs[2] = t5 - t4;
    return { ...stats, dead, encoderMs: t2 - t1, restMs: t1 - t0 + (t5 - t2) };
  }

  /** FVU, L0 and never-firing fraction of the current SAE on normalised rows [n, d]. */
  async evaluate(x: Float32Array, batch = 1024): Promise<{ fvu: number; l0: number; dead_fraction: number }> {
    const { d, m, k } = this.cfg;
    const p = this.params;
    const n = x.length / d;
    const fired = new Uint8Array(m);
    let sse = 0;
    let active = 0;
    const sum = new Float64Array(d);
    const sq = new Float64Array(d);
    const xh = new Float64Array(d);
    for (let r0 = 0; r0 < n; r0 += batch) {
      const B = Math.min(batch, n - r0);
      const xb = x.subarray(r0 * d, (r0 + B) * d);
      const xc = new Float32Array(B * d);
      centre(xb, p.bd, B, d, xc);
      const { vals, idx } = await this.encoder.topk(xc, B, p.We, p.be);
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < d; i++) xh[i] = p.bd[i];
        for (let s = 0; s < k; s++) {
          const v = vals[b * k + s];
          if (!(v > 0)) continue;
          const j = idx[b * k + s];
          fired[j] = 1;
          active++;
          for (let i = 0; i < d; i++) xh[i] += v * p.Wd[j * d + i];
        }
        for (let i = 0; i < d; i++) {
          const xv = xb[b * d + i];
          sse += (xv - xh[i]) ** 2;
          sum[i] += xv;
          sq[i] += xv * xv;
        }
      }
    }
    let sst = 0;
    for (let i = 0; i < d; i++) sst += sq[i] - (sum[i] * sum[i]) / n;
    let dead = 0;
    for (let j = 0; j < m; j++) if (!fired[j]) dead++;
    return { fvu: sst > 0 ? sse / sst : NaN, l0: active / n, dead_fraction: dead / m };
  }

  async release(): Promise<void> {
    await this.pool?.release();
    this.pool = undefined;
    await this.encoder.release();
  }
}
