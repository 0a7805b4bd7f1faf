// trainSae on any engine: ort and ts train in TypeScript (sae/trainer.ts); torch hands the fit to
// PyTorch (fit.ts) and keeps the rest of the run (split, normalisation, held-out metrics, JumpReLU
// calibration, the output folder) on the TypeScript side, so the folder and metrics.json match.
import { SaeError } from '../sae/errors.ts';
import { trainSae, type ExternalFitter, type TrainSaeOptions, type TrainSaeResult } from '../sae/trainer.ts';
import type { ProgressMetrics } from '../sae/trainer.ts';
import { fitSaeTorch } from './fit.ts';
import { findTorchPython } from './venv.ts';

/** The trainer's fit on PyTorch: work files in <out>/torch (job.json, fit.safetensors, sparsify/). */
export const torchFitter: ExternalFitter = (job) =>
  fitSaeTorch({
    ...job,
    // gloss_torch/train.py's progress lines carry ProgressMetrics' fields.
    onProgress: job.onProgress && ((step, total, m) => job.onProgress!(step, total, m as unknown as ProgressMetrics)),
  });

/**
 * Trains with `opts.engine` (default ort). For torch it first checks the device (cpu or cuda) and
 * the venv (throws SaeError in one line naming `gloss-train setup-torch` when it is missing), then runs
 * sae/trainer.ts with the PyTorch fit.
 */
export async function trainSaeOnEngine(opts: TrainSaeOptions): Promise<TrainSaeResult> {
  if (opts.engine !== 'torch') return trainSae(opts);
  if (opts.device !== undefined && !/^(cpu|cuda)$/.test(opts.device))
    throw new SaeError(
      `device ${JSON.stringify(opts.device)}: the torch engine runs on cpu or cuda (rank r takes GPU r)`,
    );
  const env = findTorchPython();
  if (!env.ok) throw new SaeError(env.reason);
  return trainSae({ ...opts, fitter: torchFitter });
}
