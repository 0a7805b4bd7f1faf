// The PyTorch engine trains the TypeScript engine's SAE: on real activations (stories260K after
// block 3, GSM8K questions), the same settings and seed, with AuxK active (a short dead-token
// window), its held-out FVU is within 0.02 of the TypeScript engine's, on one rank and on two
// (torch.distributed, gloo on loopback). The SAE it writes in sparsify's own format
// (SparseCoder.save_to_disk, real library) imports into Gloss with importSparsify and encodes as
// the trained weights do.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCache } from '../../offline-training/activations/cache-reader.ts';
import { importSparsify, trainSae } from '../../offline-training/sae/index.ts';
import { foldNormalization } from '../../offline-training/sae/input-normalisation.ts';
import { evaluateSae } from '../../offline-training/sae/metrics.ts';
import { fitSaeTorch } from '../../offline-training/torch/fit.ts';
import { haveStories, storiesCache } from '../helpers/stories-cache.ts';
import { haveTorch, oneMultiRankJobAtATime } from '../helpers/torch-env.ts';

const ok = haveTorch('torch-train');
const haveShared = haveStories;
if (!haveShared) console.warn('torch-train: ../shared absent, skipping');

let dir: string;
let cache: string;
beforeAll(async () => {
  if (!ok || !haveShared) return;
  dir = await mkdtemp(join(tmpdir(), 'gloss-torch-train-'));
  ({ cache } = await storiesCache(dir, 25));
});

describe.skipIf(!ok || !haveShared)('PyTorch engine against the TypeScript engine', () => {
  it('same held-out FVU (within 0.02) on 1 and 2 ranks, AuxK on; the sparsify folder imports', async () => {
    const settings = { width: 1024, k: 8, batch: 256, steps: 100, seed: 1, deadTokens: 512, evalEvery: 10 };
    const ts = await trainSae({ cache, ...settings, engine: 'ts', threads: 1, log: () => {} });
    const m = ts.metrics!;
    const c = await openCache(cache);
    // The normalisation the trainer measured (mean over its 32768-row sample, recorded scale).
    const sample = await c.sample(32768);
    const d = c.d;
    const mean = new Float64Array(d);
    for (let r = 0; r < sample.length / d; r++) for (let i = 0; i < d; i++) mean[i] += sample[r * d + i];
    for (let i = 0; i < d; i++) mean[i] /= sample.length / d;
    const scale = m.training.normalization.scale;
    const held = await c.sample(32768, { heldOut: true });
    const { engine: _engine, ...resolved } = ts.options;
    for (const nproc of [1, 2]) {
      const out = join(dir, `torch-${nproc}`);
      const job = () =>
        fitSaeTorch({
          cache,
          heldOutFraction: 0.05,
          settings: resolved,
          mean,
          scale,
          out,
          nproc,
          threads: 1,
          evalEvery: 10,
        });
      const fit = nproc > 1 ? await oneMultiRankJobAtATime(job) : await job();
      expect(fit.ranks).toBe(nproc);
      expect(fit.history.some((h) => h.aux_loss > 0)).toBe(true); // latents died and AuxK ran
      const sae = foldNormalization(fit.params, resolved.k, mean, scale, {});
      const ev = await evaluateSae(sae, held, { batch: 256 });
      console.log(
        `torch ${nproc} rank(s): held-out FVU ${ev.fvu.toFixed(5)} vs TypeScript ${m.held_out.fvu.toFixed(5)} (mean-only ${m.baselines.mean_fvu.toFixed(3)})`,
      );
      expect(Math.abs(ev.fvu - m.held_out.fvu)).toBeLessThan(0.02);
      expect(ev.fvu).toBeLessThan(0.5 * m.baselines.mean_fvu);

      const imported = await importSparsify(join(out, 'torch', 'sparsify'), { dIn: d });
      const ev2 = await evaluateSae(imported, held, { batch: 256 });
      expect(Math.abs(ev2.fvu - ev.fvu)).toBeLessThan(1e-3);
    }
  }, 900_000); // real training in Python, and the 2-rank job may wait for another file's to finish
});
