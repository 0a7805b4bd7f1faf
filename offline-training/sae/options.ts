// The SAE trainer's settings, declared once (as sparsify declares its TrainConfig): type, check,
// default and help text of each. `gloss-train sae` derives its flags from this schema, and
// trainSae checks programmatic options against it. Defaults that depend on the cache (width,
// steps ...) or that a resumed run must not see as "given" are applied in resolveOptions
// (trainer.ts); their rule is the `defaultText` shown in --help.
import { z } from 'zod';
import { flag, int, positive, range } from '../util/option-schema.ts';

/** Every setting of a training run, all optional (`.partial()`; see resolveOptions for the defaults). */
export const SaeSettings = z
  .object({
    width: flag(int(1), 'm', 'number of latents (d_sae)', '8 x d_in'),
    k: flag(int(1), 'k', 'active latents per token (TopK)', '32, at most --width'),
    lr: flag(positive(), 'lr', 'Adam learning rate', "2e-4 x sqrt(16384 / width), the paper's 1/sqrt(n) scaling"),
    batch: flag(int(1), 'n', 'tokens per step', '1024'),
    steps: flag(int(1), 'n', 'training steps', 'about 3 epochs of the training split, within [200, 30000]'),
    seed: flag(int(0), 'n', 'random seed (initialisation, batch order)', '0'),
    kAux: flag(int(0), 'n', 'AuxK latents (dead latents reconstructing the residual)', 'a power of two near d_in / 2'),
    auxCoef: flag(z.number().min(0, { error: 'must be >= 0' }), 'c', 'AuxK loss coefficient', '1/32'),
    deadTokens: flag(
      z.number().min(1, { error: 'must be >= 1' }),
      'n',
      'tokens without firing after which a latent counts as dead',
      'min(10M, steps x batch / 20), at least 16 batches',
    ),
    beta1: flag(range(0, 1), 'b', 'Adam beta1', '0.9'),
    beta2: flag(range(0, 1), 'b', 'Adam beta2', '0.999'),
    eps: flag(z.number().positive({ error: 'must be positive' }), 'eps', 'Adam epsilon', "6.25e-10, the paper's"),
    warmupSteps: flag(int(0), 'n', 'linear learning-rate warm-up steps', '5% of steps, at most 1000'),
    decayFraction: flag(
      range(0, 1, true),
      'f',
      'fraction of steps at the end over which the learning rate decays linearly to 0',
      '0.2',
    ),
    heldOutFraction: flag(range(0, 1), 'f', 'held-out fraction of the cache (by blocks of rows)', '0.05'),
    evalEvery: flag(int(1), 'n', 'evaluate on the held-out slice every this many steps', 'steps / 10'),
    evalRows: flag(int(1), 'n', 'held-out rows evaluated during training', '4096'),
    finalEvalRows: flag(int(1), 'n', 'held-out rows for the final metrics', '32768'),
    normRows: flag(int(1), 'n', 'training rows for the normalisation statistics and the PCA baseline', '32768'),
    calibrationRows: flag(int(0), 'n', 'training rows for JumpReLU calibration (0 skips it)', '16384'),
    checkpointEvery: flag(int(1), 'n', 'checkpoint every this many steps (and at the end, and on abort)', 'steps / 10'),
    resume: flag(z.boolean(), '', 'continue from the checkpoint in --out'),
    device: flag(
      z.string(),
      'device',
      "cpu, or cuda (ort: onnxruntime-node's CUDA provider, falls back to CPU with a message; torch: the whole step on the GPU)",
      'cpu',
    ),
    engine: flag(
      z.enum(['ort', 'ts', 'torch']),
      'engine',
      'ort: encoder on onnxruntime; ts: everything in TypeScript (the baseline); torch: PyTorch on EleutherAI sparsify (needs gloss-train setup-torch)',
      'ort',
    ),
    nproc: flag(int(1), 'n', 'ranks with torch.distributed (--engine torch; gloo on cpu, NCCL on cuda)', '1'),
    threads: flag(
      int(1),
      'n',
      'worker threads for the TypeScript half of a step; results match bit for bit only between runs with the same count',
      'cores, at most 8',
    ),
    pca: flag(z.boolean(), '', 'skip the PCA baseline (pca: false; computed by default)', 'true'),
    progressEvery: flag(int(1), 'n', 'report progress every this many steps', '10'),
  })
  .partial();

/** Which engine trains: the two TypeScript ones (sae/encoder.ts's Engine) or PyTorch (torch/). */
export type TrainEngine = 'ort' | 'ts' | 'torch';

/** The settings as a caller passes them (every field optional). */
export type SaeSettingsInput = z.input<typeof SaeSettings>;
