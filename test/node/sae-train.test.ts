// The TopK SAE trainer on a planted dictionary: 256 unit atoms in d=64, 4 active per row. A
// working trainer recovers the atoms as decoder rows and reconstructs far better than PCA with as
// many dimensions; its JumpReLU thresholds reproduce the TopK on/off decisions latent by latent.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, loadSae, trainSae, type TrainSaeResult } from '../../offline-training/sae/index.ts';
import { SaeCore, type CoreConfig } from '../../offline-training/sae/core.ts';
import { bestCosines, plantedDictionary, writeCache } from '../helpers/make-cache.ts';

const D = 64;
const ATOMS = 256;
let dir: string;
let result: TrainSaeResult;
const planted = plantedDictionary({ d: D, atoms: ATOMS, k: 4, n: 32768, noise: 0.01, seed: 7 });
const progress: { step: number; evalFvu?: number }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-sae-train-'));
  await writeCache(join(dir, 'cache'), [planted.x], D, { shardRows: 4096 });
  result = await trainSae({
    cache: join(dir, 'cache'),
    out: join(dir, 'sae'),
    width: 512,
    k: 4,
    lr: 2e-3,
    batch: 256,
    steps: 2000,
    seed: 1,
    normRows: 8192,
    finalEvalRows: 4096,
    calibrationRows: 8192,
    onProgress: (step, _total, m) => progress.push({ step, evalFvu: m.eval?.fvu }),
  });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('TopK SAE on a planted dictionary', () => {
  it('recovers most atoms as decoder rows (cosine > 0.9)', () => {
    const cos = bestCosines(planted.atoms, ATOMS, result.sae.W_dec, result.sae.d_sae, D);
    const recovered = cos.filter((c) => c > 0.9).length / ATOMS;
    // Measured: 246/256 (96%).
    expect(recovered).toBeGreaterThanOrEqual(0.8);
  });

  it('reaches a low held-out FVU, far below the mean and PCA-k baselines', () => {
    const m = result.metrics!;
    // Measured: FVU 0.092, PCA-4 0.877, mean 1.001.
    expect(m.summary.fvu).toBeLessThan(0.15);
    expect(m.summary.explained_variance).toBeCloseTo(1 - m.summary.fvu, 10);
    expect(m.baselines.mean_fvu).toBeGreaterThan(0.99);
    expect(m.baselines.pca_fvu!).toBeGreaterThan(0.6);
    expect(m.summary.fvu).toBeLessThan(m.baselines.pca_fvu! / 4);
    expect(m.summary.l0).toBeGreaterThan(3.5);
    expect(m.summary.l0).toBeLessThanOrEqual(4);
    // 512 latents for 256 atoms: about half have nothing to learn.
    expect(m.summary.dead_fraction).toBeGreaterThan(0.3);
    expect(m.summary.dead_fraction).toBeLessThan(0.7);
    expect(m.split.evaluated_on).toBe('held_out');
    expect(m.held_out.rows).toBeGreaterThan(1000);
  });

  it('reports progress with held-out evaluations that improve', () => {
    const evals = progress.filter((p) => p.evalFvu !== undefined);
    expect(evals.length).toBe(10);
    expect(evals[evals.length - 1].step).toBe(2000);
    expect(evals[evals.length - 1].evalFvu!).toBeLessThan(evals[0].evalFvu! * 0.5);
  });

  it('JumpReLU thresholds reproduce TopK on/off decisions', () => {
    const j = result.metrics!.jumprelu!;
    // Measured on held-out rows: precision 0.93, recall 0.83, F1 0.87; FVU 0.13 vs TopK 0.09.
    expect(j.precision).toBeGreaterThan(0.85);
    expect(j.recall).toBeGreaterThan(0.75);
    expect(j.f1).toBeGreaterThan(0.8);
    expect(j.fvu_jumprelu).toBeLessThan(0.25);
    expect(j.l0_jumprelu).toBeGreaterThan(2.5);
    expect(j.l0_jumprelu).toBeLessThan(6);
  });

  it('any subset of JumpReLU features encodes exactly as in the full SAE', () => {
    const jump = result.jumprelu!;
    const x = planted.x.subarray(0, 64 * D);
    const full = encode(jump, x);
    const features = Int32Array.from({ length: 40 }, (_, i) => (i * 37) % jump.d_sae).sort();
    const sub = encode(jump, x, { features });
    const keep = new Set(features);
    for (let r = 0; r < full.rows; r++) {
      const want: [number, number][] = [];
      for (let p = full.ptr[r]; p < full.ptr[r + 1]; p++)
        if (keep.has(full.idx[p])) want.push([full.idx[p], full.val[p]]);
      const got: [number, number][] = [];
      for (let p = sub.ptr[r]; p < sub.ptr[r + 1]; p++) got.push([sub.idx[p], sub.val[p]]);
      expect(got).toEqual(want);
    }
    expect(() => encode(result.sae, x, { features })).toThrow(/subset/);
  });

  it('writes SAELens files, a JumpReLU variant, metrics.json and summary.txt', async () => {
    const out = join(dir, 'sae');
    const cfg = JSON.parse(await readFile(join(out, 'cfg.json'), 'utf8'));
    expect(cfg).toMatchObject({
      architecture: 'topk',
      d_in: D,
      d_sae: 512,
      k: 4,
      apply_b_dec_to_input: true,
      normalize_activations: 'none',
      dtype: 'float32',
    });
    expect(cfg.gloss.normalization.folded_into_weights).toBe(true);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics.summary).sort()).toEqual(['dead_fraction', 'explained_variance', 'fvu', 'l0']);
    expect(metrics.summary.fvu).toBeCloseTo(result.metrics!.summary.fvu, 12);
    expect(await readFile(join(out, 'summary.txt'), 'utf8')).toMatch(/FVU\s+0\.\d+/);
    const jump = await loadSae(join(out, 'jumprelu'));
    expect(jump.architecture).toBe('jumprelu');
    expect(jump.threshold!.length).toBe(512);
    expect((await stat(join(out, 'checkpoint', 'state.safetensors'))).size).toBeGreaterThan(0);
    // The saved SAE works on raw activations: its codes match the in-memory one.
    const reloaded = await loadSae(out);
    const x = planted.x.subarray(0, 16 * D);
    expect(encode(reloaded, x)).toEqual(encode(result.sae, x));
  });
});

describe('training step engines agree', () => {
  it('onnxruntime encoder vs plain TypeScript, and 1 vs 2 threads, follow the same trajectory', async () => {
    const d = 32;
    const p = plantedDictionary({ d, atoms: 48, k: 3, n: 8 * 128, seed: 9 });
    const cfg: CoreConfig = {
      d,
      m: 96,
      k: 6,
      kAux: 16,
      auxCoef: 1 / 32,
      deadTokens: 256,
      seed: 2,
      adam: { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 6.25e-10 },
    };
    const cores = {
      ort1: await SaeCore.create(cfg, { engine: 'ort', threads: 1, maxBatch: 128 }),
      ort2: await SaeCore.create(cfg, { engine: 'ort', threads: 2, maxBatch: 128 }),
      ts1: await SaeCore.create(cfg, { engine: 'ts', threads: 1, maxBatch: 128 }),
    };
    const fvu: Record<string, number[]> = { ort1: [], ort2: [], ts1: [] };
    let auxSteps = 0;
    for (let step = 0; step < 16; step++) {
      const x = p.x.subarray((step % 8) * 128 * d, ((step % 8) + 1) * 128 * d);
      for (const [name, core] of Object.entries(cores)) {
        const s = await core.step(x, 128, 3e-3);
        fvu[name].push(s.sse / s.sst);
        if (name === 'ort1' && s.auxLatents > 0) auxSteps++;
      }
    }
    expect(auxSteps).toBeGreaterThan(0); // the comparison covers AuxK steps too
    expect(fvu.ort1[15]).toBeLessThan(fvu.ort1[0] * 0.8);
    for (let i = 0; i < 16; i++) {
      expect(Math.abs(fvu.ts1[i] - fvu.ort1[i])).toBeLessThan(1e-3);
      expect(Math.abs(fvu.ort2[i] - fvu.ort1[i])).toBeLessThan(1e-4);
    }
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((mx, v, i) => Math.max(mx, Math.abs(v - b[i])), 0);
    expect(maxDiff(cores.ts1.params.Wd, cores.ort1.params.Wd)).toBeLessThan(1e-3);
    expect(maxDiff(cores.ort2.params.We, cores.ort1.params.We)).toBeLessThan(1e-4);
    expect(cores.ort2.threadCount).toBe(2);
    for (const core of Object.values(cores)) await core.release();
  });
});
