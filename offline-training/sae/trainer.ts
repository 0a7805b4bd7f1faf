// gloss-train sae: trains a TopK SAE (Gao et al. 2024, "Scaling and evaluating sparse
// autoencoders") on an activation cache, evaluates it on the held-out split, calibrates JumpReLU
// thresholds, and writes SAELens-format files plus metrics.
//
// Training happens in normalised space (input-normalisation.ts); the saved SAE has the
// normalisation folded into its weights, so it runs on raw activations.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheError, openCache, type ActivationCache } from '../activations/cache-reader.ts';
import { findCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.ts';
import { SaeCore, type CoreStepStats } from './core.ts';
import type { Engine } from './encoder.ts';
import { SaeError } from './errors.ts';
import { atomicWrite, saveSae } from './format.ts';
import { calibrateJumpRelu, jumpReluAgreement, toJumpRelu, type JumpReluAgreement } from './jumprelu.ts';
import type { SaeParams } from './kernels.ts';
import { evaluateSae, meanBaselineFvu, pcaBaselineFvu, saeRunner, type EvalResult } from './metrics.ts';
import type { Sae } from './model.ts';
import {
  foldNormalization,
  measureNormalisation,
  normaliseRows,
  type InputNormalisation,
} from './input-normalisation.ts';
import { SaeSettings, type SaeSettingsInput, type TrainEngine } from './options.ts';

/** Figures reported while training (EMAs of the training batches; the held-out slice on evaluation steps). */
export interface ProgressMetrics {
  /** Training-batch FVU (exponential moving average over recent steps). */
  fvu: number;
  /** Active latents per token (EMA). */
  l0: number;
  /** Fraction of latents dead (no activation in the last `deadTokens` tokens). */
  dead_fraction: number;
  aux_loss: number;
  lr: number;
  tokens_per_second: number;
  /** Present on evaluation steps: the held-out slice. */
  eval?: { fvu: number; l0: number; dead_fraction: number };
}

/**
 * What trainSae takes: the settings (sae/options.ts documents each, with its default) plus where
 * the data comes from and goes, and the hooks a caller wires in.
 */
export interface TrainSaeOptions extends SaeSettingsInput {
  /** Activation cache folder (or an opened cache). */
  cache: string | ActivationCache;
  /** Output folder: cfg.json, sae_weights.safetensors, jumprelu/, metrics.json, summary.txt, checkpoint/. */
  out?: string;
  /** Stop early: a checkpoint is written and the result says interrupted. */
  signal?: AbortSignal;
  /** Called every `progressEvery` steps and on evaluation steps (step is 1-based). */
  onProgress?: (step: number, total: number, metrics: ProgressMetrics) => void;
  /** Messages (resume, CUDA fallback, phases); default: none. */
  log?: (msg: string) => void;
  /** Extra cfg.json metadata (model_name, hook_name, ...); default from the cache's source. */
  metadata?: Record<string, unknown>;
  /** The fit for engine 'torch' (torch/train-sae.ts injects it: torch/ sits above sae/ in the layers). */
  fitter?: ExternalFitter;
}

/** What an engine outside this folder is handed: the cache, the resolved settings and the measured normalisation. */
export interface ExternalFitJob {
  /** The cache folder (the Python side opens it itself, with the same split). */
  cache: string;
  heldOutFraction: number;
  settings: ResolvedOptions;
  /** Normalisation measured on the training sample: x' = (x - mean) * scale. */
  mean: Float64Array;
  scale: number;
  out?: string;
  device?: string;
  nproc?: number;
  threads?: number;
  evalRows?: number;
  evalEvery?: number;
  progressEvery?: number;
  signal?: AbortSignal;
  log?: (msg: string) => void;
  onProgress?: (step: number, total: number, metrics: ProgressMetrics) => void;
}

/** What an outside engine's fit returns: weights in normalised space and the run's counters. */
export interface ExternalFitResult extends FitResult {
  /** Ranks that trained (torch.distributed). */
  ranks?: number;
  /** The card's name on CUDA, else cpu. */
  deviceName?: string;
}

/** An outside engine's fit (no checkpoints: a run it trains cannot resume). */
export type ExternalFitter = (job: ExternalFitJob) => Promise<ExternalFitResult>;

/** The options that define a run (stored in checkpoints; a resumed run must agree on them). */
export interface ResolvedOptions {
  d: number;
  width: number;
  k: number;
  lr: number;
  batch: number;
  steps: number;
  seed: number;
  kAux: number;
  auxCoef: number;
  deadTokens: number;
  beta1: number;
  beta2: number;
  eps: number;
  warmupSteps: number;
  decayFraction: number;
  heldOutFraction: number;
  engine: TrainEngine;
}

/**
 * metrics.json: held-out figures with baselines, the training settings and history, the split, JumpReLU
 * agreement.
 */
export interface SaeMetricsReport {
  version: 1;
  /** The figures a bundle manifest's sae.metrics carries. */
  summary: { fvu: number; explained_variance: number; l0: number; dead_fraction: number };
  sae: { architecture: 'topk'; d_in: number; d_sae: number; k: number };
  training: {
    steps: number;
    batch: number;
    tokens: number;
    lr: number;
    seed: number;
    k_aux: number;
    aux_coef: number;
    dead_tokens: number;
    warmup_steps: number;
    decay_fraction: number;
    seconds: number;
    tokens_per_second: number;
    device: string;
    engine: TrainEngine;
    /** Threads the TypeScript half of each step ran on (per rank on the torch engine). */
    threads: number;
    /** torch engine: ranks (torch.distributed) and the card's name (or cpu). */
    ranks?: number;
    device_name?: string;
    normalization: { mean_centered: true; scale: number; folded_into_weights: true };
    /** Dead latents over the last dead_tokens training tokens. */
    dead_fraction: number;
  };
  split: {
    held_out_fraction: number;
    block_rows: number;
    train_rows: number;
    held_out_rows: number;
    eval_rows: number;
    evaluated_on: 'held_out' | 'train';
  };
  held_out: Omit<EvalResult, 'fireCounts'>;
  baselines: { mean_fvu: number; pca_k: number; pca_fvu: number | null };
  jumprelu: (JumpReluAgreement & { calibration_rows: number }) | null;
  history: Record<string, number>[];
}

/** What trainSae returns: the SAE (normalisation folded in), its JumpReLU twin, metrics, and where it stopped. */
export interface TrainSaeResult {
  /** The TopK SAE on raw activations (normalisation folded in). */
  sae: Sae;
  /** The same SAE with calibrated per-latent JumpReLU thresholds. */
  jumprelu?: Sae;
  metrics?: SaeMetricsReport;
  interrupted: boolean;
  step: number;
  options: ResolvedOptions;
}

/** Checks the settings against their schema; throws SaeError naming the first bad one. */
function checkSettings(o: TrainSaeOptions): void {
  const { cache: _c, out: _o, signal: _s, onProgress: _p, log: _l, metadata: _m, fitter: _f, ...settings } = o;
  const r = SaeSettings.safeParse(settings);
  if (r.success) return;
  const issue = r.error.issues[0];
  const key = String(issue.path[0]);
  throw new SaeError(`${key} ${issue.message}, got ${(settings as Record<string, unknown>)[key]}`);
}

function resolveOptions(o: TrainSaeOptions, cache: ActivationCache, fromCheckpoint?: ResolvedOptions): ResolvedOptions {
  const d = cache.d;
  const given: Partial<ResolvedOptions> = Object.fromEntries(
    Object.entries({
      width: o.width,
      k: o.k,
      lr: o.lr,
      batch: o.batch,
      steps: o.steps,
      seed: o.seed,
      kAux: o.kAux,
      auxCoef: o.auxCoef,
      deadTokens: o.deadTokens,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      warmupSteps: o.warmupSteps,
      decayFraction: o.decayFraction,
      heldOutFraction: o.heldOutFraction,
      engine: o.engine,
    }).filter(([, v]) => v !== undefined),
  );
  if (fromCheckpoint) {
    if (fromCheckpoint.d !== d)
      throw new SaeError(`the checkpoint was trained on d_in=${fromCheckpoint.d} but the cache has d=${d}`);
    const diff = Object.entries(given).filter(
      ([key, v]) => key !== 'steps' && (fromCheckpoint as unknown as Record<string, unknown>)[key] !== v,
    );
    if (diff.length) {
      throw new SaeError(
        `cannot resume with different settings: ${diff.map(([key, v]) => `${key} ${(fromCheckpoint as unknown as Record<string, unknown>)[key]} -> ${v}`).join(', ')} (only steps may change; drop the option or use a new --out)`,
      );
    }
    return { ...fromCheckpoint, ...given };
  }
  const width = given.width ?? 8 * d;
  const k = given.k ?? Math.min(32, width);
  if (k > width) throw new SaeError(`k=${k} exceeds width=${width}`);
  const batch = given.batch ?? 1024;
  const steps = given.steps ?? Math.min(30000, Math.max(200, Math.ceil((3 * Math.max(1, cache.trainRows)) / batch)));
  const kAux = Math.min(given.kAux ?? 2 ** Math.max(0, Math.round(Math.log2(d / 2))), width);
  return {
    d,
    width,
    k,
    lr: given.lr ?? 2e-4 * Math.sqrt(16384 / width),
    batch,
    steps,
    seed: given.seed ?? 0,
    kAux,
    auxCoef: given.auxCoef ?? 1 / 32,
    deadTokens: given.deadTokens ?? Math.min(10_000_000, Math.max(16 * batch, Math.round((steps * batch) / 20))),
    beta1: given.beta1 ?? 0.9,
    beta2: given.beta2 ?? 0.999,
    eps: given.eps ?? 6.25e-10,
    warmupSteps: given.warmupSteps ?? Math.min(1000, Math.round(steps * 0.05)),
    decayFraction: given.decayFraction ?? 0.2,
    heldOutFraction: given.heldOutFraction ?? 0.05,
    engine: given.engine ?? 'ort',
  };
}

/**
 * The learning rate at 0-based `step`: linear warm-up over warmupSteps, constant, then linear decay to 0 over
 * the last decayFraction of the steps (as sparsify and SAELens schedule it).
 */
export function learningRate(r: ResolvedOptions, step: number): number {
  // step is 0-based (the step about to run).
  let f = 1;
  if (r.warmupSteps > 0 && step < r.warmupSteps) f = (step + 1) / r.warmupSteps;
  const decaySteps = Math.round(r.decayFraction * r.steps);
  const decayStart = r.steps - decaySteps;
  if (decaySteps > 0 && step >= decayStart) f = Math.min(f, (r.steps - step) / (decaySteps + 1));
  return r.lr * f;
}

function defaultMetadata(cache: ActivationCache): Record<string, unknown> {
  const src = (cache.source ?? {}) as Record<string, unknown>;
  const layer = typeof src.layer === 'number' ? src.layer : null;
  return {
    model_name: typeof src.detector === 'string' ? src.detector : null,
    hook_name: layer !== null ? `blocks.${layer}.hook_resid_pre` : 'resid',
    hook_layer: layer,
    hook_head_index: null,
    context_size: typeof src.maxTokens === 'number' ? src.maxTokens : null,
    prepend_bos: false,
    dataset_path: Array.isArray(src.data) ? src.data.join(',') : null,
    sae_lens_training_version: null,
    detector_sha256: typeof src.detectorSha256 === 'string' ? src.detectorSha256 : null,
    activation_cache: cache.dir,
  };
}

/** Trains, evaluates, calibrates and (with `out`) writes an SAE. */
export async function trainSae(opts: TrainSaeOptions): Promise<TrainSaeResult> {
  try {
    return await train(opts);
  } catch (e) {
    if (e instanceof CacheError) throw new SaeError(e.message);
    throw e;
  }
}

// ---- the run, as named steps (sparsify's Trainer.fit and SAELens's SAETrainer.fit read the same) ----

async function train(opts: TrainSaeOptions): Promise<TrainSaeResult> {
  checkSettings(opts);
  if (opts.engine === 'torch' && opts.resume)
    throw new SaeError('resume is not supported with engine torch (it writes no checkpoints); use a new output folder');
  if (opts.engine !== 'torch' && opts.nproc !== undefined && opts.nproc !== 1)
    throw new SaeError(`nproc ${opts.nproc} needs engine torch (the ${opts.engine ?? 'ort'} engine runs one process)`);
  const log = opts.log ?? (() => undefined);
  const run = await openRun(opts, log);
  const data = await prepareRunData(run, opts, log);
  const fit = run.r.engine === 'torch' ? await fitOutside(run, data, opts) : await fitSae(run, data, opts, log);
  if (fit.interrupted) {
    log(`interrupted at step ${fit.step}/${run.r.steps}; resume to continue`);
    const sae = foldNormalization(fit.params, run.r.k, data.norm.mean, data.norm.scale, {});
    return { sae, interrupted: true, step: fit.step, options: run.r };
  }
  const report = await evaluateRun(run, data, fit, opts, log);
  if (opts.out) await writeRun(opts.out, report);
  return { ...report, interrupted: false, step: fit.step, options: run.r };
}

/** An opened run: the cache (split as the settings say), the resolved settings, a checkpoint to resume. */
interface Run {
  cache: ActivationCache;
  r: ResolvedOptions;
  ckpt?: Checkpoint;
}

/** Opens the cache, finds a checkpoint to resume (or refuses to overwrite one), resolves the settings. */
async function openRun(opts: TrainSaeOptions, log: (msg: string) => void): Promise<Run> {
  const probe =
    typeof opts.cache === 'string'
      ? await openCache(opts.cache, { heldOutFraction: opts.heldOutFraction })
      : opts.cache;
  const ckpt = await findResumable(opts, log);
  const r = resolveOptions(opts, probe, ckpt?.meta.options as ResolvedOptions | undefined);
  // The split depends on the held-out fraction: reopen when the checkpoint's differs.
  const cache =
    typeof opts.cache === 'string' && probe.heldOutFraction !== r.heldOutFraction
      ? await openCache(opts.cache, { heldOutFraction: r.heldOutFraction })
      : probe;
  await checkRun(cache, r, ckpt, opts.out, log);
  return { cache, r, ckpt };
}

/** The checkpoint in `out` when resuming; throws when one is there and resume was not asked for. */
async function findResumable(opts: TrainSaeOptions, log: (msg: string) => void): Promise<Checkpoint | undefined> {
  if (!opts.out) {
    if (opts.resume) throw new SaeError('resume needs an output folder');
    return undefined;
  }
  const found = await findCheckpoint(opts.out);
  if (found && opts.resume) {
    const ckpt = await loadCheckpoint(found);
    log(`resuming from ${found} at step ${ckpt.meta.step}`);
    return ckpt;
  }
  if (found)
    throw new SaeError(
      `${opts.out} already holds a training checkpoint; pass resume (--resume) to continue it, or use a new output folder`,
    );
  if (opts.resume) log(`no checkpoint in ${opts.out}; starting a new run`);
  return undefined;
}

/** Refuses a run that cannot work (shape or step mismatch, no rows, --out a file); warns on odd caches. */
async function checkRun(
  cache: ActivationCache,
  r: ResolvedOptions,
  ckpt: Checkpoint | undefined,
  out: string | undefined,
  log: (msg: string) => void,
): Promise<void> {
  if (!cache.complete)
    log(`${cache.dir} is marked incomplete (extraction running or interrupted); training on its ${cache.rows} rows`);
  if (ckpt?.meta.cacheRows !== undefined && ckpt.meta.cacheRows !== cache.rows) {
    log(
      `the cache had ${ckpt.meta.cacheRows} rows when the checkpoint was written and has ${cache.rows} now: the resumed run sees other batches than an uninterrupted one would`,
    );
  }
  if (ckpt && (ckpt.params.d !== cache.d || ckpt.params.m !== r.width))
    throw new SaeError(
      `checkpoint shape [${ckpt.params.m}, ${ckpt.params.d}] does not match width=${r.width}, d=${cache.d}`,
    );
  if (ckpt && ckpt.meta.step > r.steps)
    throw new SaeError(`the checkpoint is at step ${ckpt.meta.step}, past steps=${r.steps}`);
  if (cache.trainRows < 1) throw new SaeError(`${cache.dir}: no training rows`);
  if (out && !ckpt) {
    const st = await stat(out).catch(() => undefined);
    if (st && !st.isDirectory()) throw new SaeError(`--out ${out} exists and is not a folder`);
  }
}

/** The input normalisation and the fixed samples measured with it. */
interface RunData {
  /** Measured on the training sample (or restored from the checkpoint). */
  norm: InputNormalisation;
  /** Raw training rows [normRows, d_in]: normalisation statistics, PCA baseline, calibration. */
  trainSample: Float32Array;
  /** Normalised held-out rows [evalRows, d_in] evaluated during training. */
  evalNorm: Float32Array;
  evaluatedOn: 'held_out' | 'train';
}

/** Measures (or, resuming, restores) the normalisation and draws the fixed samples. */
async function prepareRunData(run: Run, opts: TrainSaeOptions, log: (msg: string) => void): Promise<RunData> {
  const { cache, ckpt } = run;
  const d = cache.d;
  const trainSample = await cache.sample(opts.normRows ?? 32768);
  let norm: InputNormalisation;
  if (ckpt) {
    norm = { mean: Float64Array.from(ckpt.meta.norm.mean), scale: ckpt.meta.norm.scale };
    if (norm.mean.length !== d) throw new SaeError('checkpoint normalisation does not match the cache dimension');
  } else {
    norm = measureNormalisation(trainSample, d);
  }
  const evaluatedOn = cache.heldOutRows > 0 ? 'held_out' : 'train';
  if (evaluatedOn === 'train') log('no held-out rows (held-out fraction 0): metrics are on training rows');
  const evalRaw = await cache.sample(opts.evalRows ?? 4096, { heldOut: evaluatedOn === 'held_out' });
  const evalNorm = evalRaw.slice();
  normaliseRows(evalNorm, d, norm);
  return { norm, trainSample, evalNorm, evaluatedOn };
}

/** What fitting leaves: the weights (normalised space) and the run's counters. */
interface FitResult {
  params: SaeParams;
  step: number;
  seconds: number;
  history: Record<string, number>[];
  interrupted: boolean;
  device: string;
  threads: number;
  deadFraction: number;
}

/** Exponential moving averages of the training-batch figures (for progress lines). */
interface Ema {
  fvu: number;
  l0: number;
  aux: number;
}

/** The fit loop: Adam steps over shuffled batches, with evaluation, progress and checkpoints. */
async function fitSae(run: Run, data: RunData, opts: TrainSaeOptions, log: (msg: string) => void): Promise<FitResult> {
  const { cache, r, ckpt } = run;
  const core = await SaeCore.create(
    {
      d: cache.d,
      m: r.width,
      k: r.k,
      kAux: r.kAux,
      auxCoef: r.auxCoef,
      deadTokens: r.deadTokens,
      seed: r.seed,
      adam: { lr: r.lr, beta1: r.beta1, beta2: r.beta2, eps: r.eps },
    },
    { engine: tsEngine(r.engine), device: opts.device, log, state: ckpt, threads: opts.threads, maxBatch: r.batch },
  );
  const state = {
    step: ckpt?.meta.step ?? 0,
    seconds: ckpt?.meta.seconds ?? 0,
    history: (ckpt?.meta.history as Record<string, number>[] | undefined) ?? [],
  };
  const every = {
    eval: opts.evalEvery ?? Math.max(1, Math.round(r.steps / 10)),
    checkpoint: opts.checkpointEvery ?? Math.max(1, Math.round(r.steps / 10)),
    progress: opts.progressEvery ?? 10,
  };
  const checkpoint = () => writeCheckpoint(opts.out, run, data, core, state);
  let interrupted = false;
  try {
    let ema: Ema | undefined;
    let window = { start: performance.now(), tokens: 0 };
    const batches = state.step < r.steps ? trainingBatches(cache, r, state.step) : [];
    for await (const x of batches) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const { s, lr } = await adamStep(core, x, r, data, state);
      window.tokens += r.batch;
      ema = updateEma(ema, s.sst > 0 ? s.sse / s.sst : NaN, s.active / r.batch, s.auxLoss);
      const isEval = state.step % every.eval === 0 || state.step === r.steps;
      if (isEval || state.step % every.progress === 0) {
        const pm = progressMetrics(ema, s.dead / r.width, lr, window);
        if (isEval) {
          pm.eval = await core.evaluate(data.evalNorm);
          state.history.push(historyRow(state.step, pm));
        }
        opts.onProgress?.(state.step, r.steps, pm);
        window = { start: performance.now(), tokens: 0 };
      }
      if (state.step % every.checkpoint === 0 && state.step < r.steps) await checkpoint();
      if (state.step >= r.steps) break;
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    await checkpoint();
  } finally {
    await core.release();
  }
  return {
    params: core.params,
    ...state,
    interrupted,
    device: core.encoder.device,
    threads: core.threadCount,
    deadFraction: core.numDead() / r.width,
  };
}

/** The TypeScript engine that runs Gloss's own passes (evaluation, calibration) for a run on `e`. */
function tsEngine(e: TrainEngine): Engine {
  return e === 'torch' ? 'ort' : e;
}

/** The fit on an outside engine (torch): it gets the cache folder, the settings and the measured normalisation. */
async function fitOutside(run: Run, data: RunData, opts: TrainSaeOptions): Promise<ExternalFitResult> {
  if (!opts.fitter)
    throw new SaeError(
      "engine torch needs the PyTorch fitter: train through torch/train-sae.ts's trainSaeOnEngine (gloss-train sae does)",
    );
  const { cache, r } = run;
  return opts.fitter({
    cache: cache.dir,
    heldOutFraction: r.heldOutFraction,
    settings: r,
    mean: Float64Array.from(data.norm.mean),
    scale: data.norm.scale,
    out: opts.out,
    device: opts.device,
    nproc: opts.nproc,
    threads: opts.threads,
    evalRows: opts.evalRows,
    evalEvery: opts.evalEvery,
    progressEvery: opts.progressEvery,
    signal: opts.signal,
    log: opts.log,
    onProgress: opts.onProgress,
  });
}

/** One Adam step on a raw batch: normalise it (normaliseRows), schedule the learning rate, step; throws SaeError on a non-finite loss. */
async function adamStep(
  core: SaeCore,
  x: Float32Array,
  r: ResolvedOptions,
  data: RunData,
  state: { step: number; seconds: number },
): Promise<{ s: CoreStepStats; lr: number }> {
  const t0 = performance.now();
  normaliseRows(x, r.d, data.norm);
  const lr = learningRate(r, state.step);
  const s = await core.step(x, r.batch, lr);
  state.step++;
  state.seconds += (performance.now() - t0) / 1000;
  if (!Number.isFinite(s.sse))
    throw new SaeError(`training diverged at step ${state.step} (non-finite loss); try a smaller lr than ${r.lr}`);
  return { s, lr };
}

/** Progress figures after a step: the EMAs, dead fraction, learning rate, and tokens/s since `window.start`. */
function progressMetrics(
  ema: Ema,
  deadFraction: number,
  lr: number,
  window: { start: number; tokens: number },
): ProgressMetrics {
  return {
    fvu: ema.fvu,
    l0: ema.l0,
    dead_fraction: deadFraction,
    aux_loss: ema.aux,
    lr,
    tokens_per_second: window.tokens / ((performance.now() - window.start) / 1000),
  };
}

/** The endless shuffled batch stream from `step` on: a pure function of (seed, step), so resuming matches. */
function trainingBatches(cache: ActivationCache, r: ResolvedOptions, step: number): AsyncIterable<Float32Array> {
  return cache.batches(r.batch, { shuffle: true, seed: r.seed, epochs: Infinity, skipBatches: step, dropLast: true });
}

/** One step of the EMA (weight 0.1 on the newest value); the first step starts it. */
function updateEma(ema: Ema | undefined, fvu: number, l0: number, aux: number): Ema {
  const a = 0.1;
  if (!ema) return { fvu, l0, aux };
  return { fvu: ema.fvu + a * (fvu - ema.fvu), l0: ema.l0 + a * (l0 - ema.l0), aux: ema.aux + a * (aux - ema.aux) };
}

/** A row of metrics.json's history: training EMAs and the held-out slice at `step`. */
function historyRow(step: number, pm: ProgressMetrics): Record<string, number> {
  return {
    step,
    train_fvu: pm.fvu,
    l0: pm.l0,
    dead_fraction: pm.dead_fraction,
    aux_loss: pm.aux_loss,
    lr: pm.lr,
    eval_fvu: pm.eval!.fvu,
    eval_l0: pm.eval!.l0,
    eval_dead_fraction: pm.eval!.dead_fraction,
  };
}

/** Saves everything the next step depends on into <out>/checkpoint (nothing without `out`). */
async function writeCheckpoint(
  out: string | undefined,
  run: Run,
  data: RunData,
  core: SaeCore,
  state: { step: number; seconds: number; history: Record<string, number>[] },
): Promise<void> {
  if (!out) return;
  await mkdir(out, { recursive: true });
  await saveCheckpoint(out, {
    meta: {
      version: 1,
      step: state.step,
      options: run.r as unknown as Record<string, unknown>,
      norm: { mean: Array.from(data.norm.mean), scale: data.norm.scale },
      history: state.history,
      seconds: state.seconds,
      cacheRows: run.cache.rows,
    },
    params: core.params,
    adam: core.adam,
    sinceFired: core.sinceFired,
    everTouched: core.everTouched,
  });
}

/** The trained SAE on raw activations, its held-out metrics and baselines, and its JumpReLU twin. */
interface RunReport {
  sae: Sae;
  jumprelu?: Sae;
  metrics: SaeMetricsReport;
}

/** The run's settings as cfg.json and metrics.json spell them (snake_case, SAELens style). */
function trainingSettings(r: ResolvedOptions) {
  return {
    steps: r.steps,
    batch: r.batch,
    lr: r.lr,
    seed: r.seed,
    k_aux: r.kAux,
    aux_coef: r.auxCoef,
    dead_tokens: r.deadTokens,
    warmup_steps: r.warmupSteps,
    decay_fraction: r.decayFraction,
  };
}

/** cfg.json's `gloss` section: how the SAE was trained. */
function glossConfig(r: ResolvedOptions, scale: number) {
  return {
    version: 1,
    normalization: { mean_centered: true, scale, folded_into_weights: true },
    training: { ...trainingSettings(r), beta1: r.beta1, beta2: r.beta2, eps: r.eps },
  };
}

/** Folds the normalisation in, evaluates on held-out rows beside the mean and PCA baselines, calibrates JumpReLU. */
async function evaluateRun(
  run: Run,
  data: RunData,
  fit: ExternalFitResult,
  opts: TrainSaeOptions,
  log: (msg: string) => void,
): Promise<RunReport> {
  const { cache, r } = run;
  const d = cache.d;
  const gloss = glossConfig(r, data.norm.scale);
  const metadata = { ...defaultMetadata(cache), ...(opts.metadata ?? {}) };
  const sae = foldNormalization(fit.params, r.k, data.norm.mean, data.norm.scale, { metadata, gloss });
  log('evaluating on held-out rows');
  const heldOut = data.evaluatedOn === 'held_out';
  const finalRaw = await cache.sample(opts.finalEvalRows ?? 32768, { heldOut });
  const runner = await saeRunner(sae, {
    engine: tsEngine(r.engine),
    device: fit.device === 'cuda' ? 'cuda' : 'cpu',
    log,
  });
  try {
    const ev = await evaluateSae(sae, finalRaw, { runner, batch: r.batch });
    const meanFvu = meanBaselineFvu(finalRaw, d, data.norm.mean);
    const pcaFvu = opts.pca === false ? null : await pcaBaselineFvu(data.trainSample, finalRaw, d, r.k, r.seed + 1);
    let jumprelu: Sae | undefined;
    let jr: SaeMetricsReport['jumprelu'] = null;
    const calRows = opts.calibrationRows ?? 16384;
    if (calRows > 0) {
      log('calibrating JumpReLU thresholds');
      const cal = calRows === data.trainSample.length / d ? data.trainSample : await cache.sample(calRows);
      jumprelu = toJumpRelu(sae, await calibrateJumpRelu(sae, cal, { runner, batch: r.batch }));
      jumprelu.cfg = {
        ...sae.cfg,
        gloss: {
          ...gloss,
          jumprelu: {
            calibrated_from: 'topk',
            calibration_rows: cal.length / d,
            criterion: 'per-latent threshold minimising TopK on/off disagreements',
          },
        },
      };
      const agreement = await jumpReluAgreement(sae, jumprelu, finalRaw, { runner, batch: r.batch });
      jr = { ...agreement, calibration_rows: cal.length / d };
    }
    const { fireCounts: _unused, ...held } = ev;
    const metrics: SaeMetricsReport = {
      version: 1,
      summary: { fvu: ev.fvu, explained_variance: ev.explained_variance, l0: ev.l0, dead_fraction: ev.dead_fraction },
      sae: { architecture: 'topk', d_in: d, d_sae: r.width, k: r.k },
      training: {
        ...trainingSettings(r),
        tokens: r.steps * r.batch,
        seconds: fit.seconds,
        tokens_per_second: fit.seconds > 0 ? (fit.step * r.batch) / fit.seconds : 0,
        device: fit.device,
        engine: r.engine,
        threads: fit.threads,
        ...(fit.ranks !== undefined ? { ranks: fit.ranks, device_name: fit.deviceName } : {}),
        normalization: { mean_centered: true, scale: data.norm.scale, folded_into_weights: true },
        dead_fraction: fit.deadFraction,
      },
      split: {
        held_out_fraction: r.heldOutFraction,
        block_rows: cache.blockRows,
        train_rows: cache.trainRows,
        held_out_rows: cache.heldOutRows,
        eval_rows: ev.rows,
        evaluated_on: data.evaluatedOn,
      },
      held_out: held,
      baselines: { mean_fvu: meanFvu, pca_k: Math.min(r.k, d), pca_fvu: pcaFvu },
      jumprelu: jr,
      history: fit.history,
    };
    return { sae, jumprelu, metrics };
  } finally {
    await runner.release();
  }
}

/** Writes the SAE (SAELens layout), its JumpReLU twin, metrics.json and summary.txt into `out`. */
async function writeRun(out: string, { sae, jumprelu, metrics }: RunReport): Promise<void> {
  await saveSae(out, sae);
  if (jumprelu) await saveSae(join(out, 'jumprelu'), jumprelu);
  await atomicWrite(join(out, 'metrics.json'), JSON.stringify(metrics, jsonNumbers, 2) + '\n');
  await writeFile(join(out, 'summary.txt'), summaryText(metrics, out));
}

/** JSON has no Infinity/NaN: write them as null. */
function jsonNumbers(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`;
const num = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);

/** How the steps ran: the torch engine's ranks and threads, or the TypeScript half's threads. */
function engineText(t: SaeMetricsReport['training']): string {
  const threads = `${t.threads} thread${t.threads > 1 ? 's' : ''}`;
  if (t.engine === 'torch') return `torch, ${t.ranks ?? 1} rank${(t.ranks ?? 1) > 1 ? 's' : ''} x ${threads}`;
  return `${t.engine}, ${threads} for the TypeScript half`;
}

/**
 * summary.txt: the run's figures in words, each beside its baseline (mean-only and PCA FVU; JumpReLU against
 * TopK).
 */
export function summaryText(m: SaeMetricsReport, out = '.'): string {
  const t = m.training;
  const lines = [
    `TopK SAE: d_in=${m.sae.d_in}, d_sae=${m.sae.d_sae}, k=${m.sae.k}`,
    `trained ${t.steps} steps x ${t.batch} tokens (${t.tokens} tokens) in ${t.seconds.toFixed(1)} s, ${Math.round(t.tokens_per_second)} tokens/s on ${t.device_name ?? t.device} (${engineText(t)})`,
    `lr ${t.lr.toExponential(2)}, seed ${t.seed}, AuxK k=${t.k_aux} coef ${num(t.aux_coef, 4)}, dead after ${t.dead_tokens} tokens; inputs mean-centred and scaled by ${num(t.normalization.scale, 4)} (folded into the saved weights)`,
    '',
    `${m.split.evaluated_on === 'held_out' ? 'held-out' : 'training (no held-out split)'} evaluation on ${m.held_out.rows} rows (split: ${pct(m.split.held_out_fraction)} of ${m.split.train_rows + m.split.held_out_rows} rows held out in blocks of ${m.split.block_rows}):`,
    `  FVU                 ${num(m.held_out.fvu)}   (explained variance ${pct(m.held_out.explained_variance)})`,
    `  L0                  ${num(m.held_out.l0, 2)}`,
    `  dead latents        ${pct(m.held_out.dead_fraction)} never fired on these rows; ${pct(t.dead_fraction)} dead over the last ${t.dead_tokens} training tokens`,
    `  baselines           mean-only FVU ${num(m.baselines.mean_fvu)}; PCA-${m.baselines.pca_k} FVU ${num(m.baselines.pca_fvu)}`,
  ];
  if (m.jumprelu) {
    const j = m.jumprelu;
    lines.push(
      '',
      `JumpReLU thresholds (calibrated on ${j.calibration_rows} training rows; each latent runs on its own):`,
      `  on/off vs TopK      precision ${pct(j.precision)}, recall ${pct(j.recall)}, F1 ${pct(j.f1)}`,
      `  L0                  ${num(j.l0_jumprelu, 2)} (TopK ${num(j.l0_topk, 2)})`,
      `  FVU                 ${num(j.fvu_jumprelu)} (TopK ${num(j.fvu_topk)})`,
      `  never-on latents    ${j.dead_thresholds} (threshold +Infinity)`,
    );
  }
  lines.push(
    '',
    `files: ${out}/cfg.json + sae_weights.safetensors (TopK, SAELens layout)${m.jumprelu ? `, ${out}/jumprelu/ (JumpReLU)` : ''}, metrics.json, ${m.training.engine === 'torch' ? "torch/ (the fit, and sparsify/: the SAE in sparsify's format)" : 'checkpoint/'}`,
  );
  return lines.join('\n') + '\n';
}
