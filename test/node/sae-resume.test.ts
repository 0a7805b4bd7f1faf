// Checkpoint and resume: a run interrupted halfway and resumed ends bit-for-bit where the
// uninterrupted run ends (same seed), through warm-up, AuxK on dead latents, an epoch boundary
// of the shuffled stream and the learning-rate decay.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SaeError, trainSae, type TrainSaeOptions } from '../../offline-training/sae/index.ts';
import { plantedCacheDir } from '../helpers/make-cache.ts';

let dir: string;
const D = 32;

beforeAll(async () => {
  dir = await plantedCacheDir('gloss-sae-resume-', 'cache', { d: D, atoms: 64, k: 3, n: 3000, seed: 3 }, 700);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const base = (out: string): TrainSaeOptions => ({
  cache: join(dir, 'cache'),
  out,
  width: 128,
  k: 4,
  lr: 3e-3,
  batch: 128,
  steps: 60,
  seed: 5,
  deadTokens: 512,
  checkpointEvery: 30,
  normRows: 2000,
  finalEvalRows: 500,
  calibrationRows: 0,
  pca: false,
});

describe('SAE checkpoints', () => {
  it('resuming from the halfway checkpoint reproduces the uninterrupted run', async () => {
    const full = await trainSae(base(join(dir, 'full')));
    expect(full.interrupted).toBe(false);

    const ac = new AbortController();
    const first = await trainSae({
      ...base(join(dir, 'split')),
      signal: ac.signal,
      onProgress: (step) => step === 30 && ac.abort(),
    });
    expect(first.interrupted).toBe(true);
    expect(first.step).toBe(30);
    const auxUsed: number[] = [];
    const second = await trainSae({
      ...base(join(dir, 'split')),
      resume: true,
      onProgress: (_s, _t, m) => auxUsed.push(m.aux_loss),
    });
    expect(second.interrupted).toBe(false);
    expect(second.step).toBe(60);
    expect(auxUsed.some((a) => a > 0)).toBe(true); // AuxK was active in the resumed half

    // Training moved the weights (the comparison is not between two untouched inits) ...
    expect(first.sae.W_dec).not.toEqual(full.sae.W_dec);
    // ... and the resumed run ends exactly where the uninterrupted one does.
    expect(second.sae.W_enc).toEqual(full.sae.W_enc);
    expect(second.sae.W_dec).toEqual(full.sae.W_dec);
    expect(second.sae.b_enc).toEqual(full.sae.b_enc);
    expect(second.sae.b_dec).toEqual(full.sae.b_dec);
    expect(second.metrics!.summary).toEqual(full.metrics!.summary);
    expect(second.metrics!.history.map((h) => h.eval_fvu)).toEqual(full.metrics!.history.map((h) => h.eval_fvu));
  });

  it('refuses to overwrite a checkpoint without resume, and to resume with other settings', async () => {
    await expect(trainSae(base(join(dir, 'full')))).rejects.toThrow(/already holds a training checkpoint/);
    await expect(trainSae({ ...base(join(dir, 'full')), resume: true, k: 8 })).rejects.toThrow(SaeError);
    await expect(trainSae({ ...base(join(dir, 'full')), resume: true, k: 8 })).rejects.toThrow(/k 4 -> 8/);
  });

  it('extends a finished run when resumed with more steps', async () => {
    const more = await trainSae({ ...base(join(dir, 'full')), resume: true, steps: 70 });
    expect(more.step).toBe(70);
    expect(more.metrics!.training.steps).toBe(70);
  });
});
