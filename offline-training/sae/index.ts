// The SAE trainer's public surface: training (the `gloss-train sae` command), SAELens/sparsify
// formats, reference encode/decode, metrics and JumpReLU calibration.
import { trainSae, type ProgressMetrics, type TrainSaeResult } from './trainer.ts';

export { SaeError } from './errors.ts';
export { CacheError, openCache, type ActivationCache } from '../activations/cache-reader.ts';
export { trainSae, foldNormalization, learningRate, summaryText } from './trainer.ts';
export type { TrainSaeOptions, TrainSaeResult, ProgressMetrics, ResolvedOptions, SaeMetricsReport } from './trainer.ts';
export { loadSae, saveSae, importSparsify, saelensConfig } from './format.ts';
export { encode, decode, preActivations, type Sae, type SaeArchitecture, type SparseCodes } from './model.ts';
export { evaluateSae, pcaBaselineFvu, meanBaselineFvu } from './metrics.ts';
export { calibrateJumpRelu, jumpReluAgreement, toJumpRelu, type JumpReluAgreement } from './jumprelu.ts';
export { parseSafetensors, encodeSafetensors, tensorToF32 } from './safetensors.ts';

export interface SaeCommandOptions {
  cache: string;
  out: string;
  width?: number;
  k?: number;
  lr?: number;
  batch?: number;
  steps?: number;
  seed?: number;
  device?: string;
  resume?: boolean;
  onProgress?: (step: number, total: number, metrics: ProgressMetrics) => void;
  /** Messages (resume, CUDA fallback, phases); default: stderr. */
  log?: (msg: string) => void;
  /** Stops training after the next step with a checkpoint (wire SIGINT to it). */
  signal?: AbortSignal;
}

/** `gloss-train sae --cache <dir> --out <dir> [...]`: trains and writes the SAE and its metrics. */
export async function runSaeCommand(opts: SaeCommandOptions): Promise<TrainSaeResult> {
  return trainSae({
    cache: opts.cache,
    out: opts.out,
    width: opts.width,
    k: opts.k,
    lr: opts.lr,
    batch: opts.batch,
    steps: opts.steps,
    seed: opts.seed,
    device: opts.device,
    resume: opts.resume,
    onProgress: opts.onProgress,
    signal: opts.signal,
    log: opts.log ?? ((msg) => console.error(`gloss-train sae: ${msg}`)),
  });
}
