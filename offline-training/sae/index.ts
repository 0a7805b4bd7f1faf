// The SAE trainer's public surface: training (the `gloss-train sae` command), SAELens/sparsify
// formats, reference encode/decode, metrics and JumpReLU calibration.
export { SaeError } from './errors.ts';
export { CacheError, openCache, type ActivationCache } from '../activations/cache-reader.ts';
export { SaeSettings, type SaeSettingsInput } from './options.ts';
export { trainSae, learningRate, summaryText } from './trainer.ts';
export { foldNormalization } from './input-normalisation.ts';
/** The trainer's option, result and metrics types (trainer.ts). */
export type { TrainSaeOptions, TrainSaeResult, ProgressMetrics, ResolvedOptions, SaeMetricsReport } from './trainer.ts';
export { loadSae, saveSae, importSparsify, saelensConfig } from './format.ts';
export { encode, decode, preActivations, type Sae, type SaeArchitecture, type SparseCodes } from './model.ts';
export { evaluateSae, pcaBaselineFvu, meanBaselineFvu } from './metrics.ts';
export { calibrateJumpRelu, jumpReluAgreement, toJumpRelu, type JumpReluAgreement } from './jumprelu.ts';
export { parseSafetensors, encodeSafetensors, tensorToF32 } from './safetensors.ts';
