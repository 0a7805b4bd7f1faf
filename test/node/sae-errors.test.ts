// Bad input gives one clear SaeError naming the problem, never a crash or a silent wrong result:
// empty or missing caches, truncated shards, non-finite activations, dimension mismatches,
// unknown config keys, bad options; and --device cuda falls back to CPU with a message.
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encode,
  evaluateSae,
  loadSae,
  saveSae,
  SaeError,
  trainSae,
  type Sae,
  type TrainSaeOptions,
} from '../../offline-training/sae/index.ts';
import { plantedCacheDir, plantedDictionary, writeCache } from '../helpers/make-cache.ts';

let dir: string;
const D = 16;
const small = (cache: string, out?: string): TrainSaeOptions => ({
  cache,
  out,
  width: 32,
  k: 2,
  batch: 64,
  steps: 4,
  normRows: 256,
  finalEvalRows: 128,
  calibrationRows: 0,
  pca: false,
});

beforeAll(async () => {
  dir = await plantedCacheDir('gloss-sae-err-', 'good', { d: D, atoms: 24, k: 2, n: 600, seed: 2 }, 200);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function tinySae(d: number): Sae {
  return {
    architecture: 'topk',
    d_in: d,
    d_sae: 8,
    k: 2,
    applyBDecToInput: true,
    W_enc: new Float32Array(d * 8).fill(0.1),
    W_dec: new Float32Array(8 * d).fill(0.1),
    b_enc: new Float32Array(8),
    b_dec: new Float32Array(d),
    cfg: {},
  };
}

describe('SAE trainer input errors', () => {
  it('a missing cache folder', async () => {
    const p = trainSae(small(join(dir, 'nope')));
    await expect(p).rejects.toThrow(SaeError);
    await expect(trainSae(small(join(dir, 'nope')))).rejects.toThrow(
      /not an activation cache.*index\.json does not exist/,
    );
  });

  it('an empty cache', async () => {
    await mkdir(join(dir, 'empty'), { recursive: true });
    await writeFile(
      join(dir, 'empty', 'index.json'),
      JSON.stringify({ version: 1, d: D, dtype: 'float32', shards: [], texts: 0, source: {} }),
    );
    await expect(trainSae(small(join(dir, 'empty')))).rejects.toThrow(SaeError);
    await expect(trainSae(small(join(dir, 'empty')))).rejects.toThrow(/empty \(0 rows\)/);
  });

  it('a truncated shard', async () => {
    await writeCache(join(dir, 'trunc'), [new Float32Array(100 * D).fill(1)], D, { shardRows: 50 });
    await truncate(join(dir, 'trunc', 'shard-00001.bin'), 50 * D * 4 - 3);
    await expect(trainSae(small(join(dir, 'trunc')))).rejects.toThrow(
      /shard-00001\.bin: 3197 bytes, expected 50 rows x 16 x 4 = 3200/,
    );
  });

  it('NaN and Inf activations, with the row they are in', async () => {
    const p = plantedDictionary({ d: D, atoms: 24, k: 2, n: 600, seed: 2 });
    p.x[321 * D + 5] = NaN;
    await writeCache(join(dir, 'nan'), [p.x], D, { shardRows: 200 });
    const err = await trainSae(small(join(dir, 'nan'))).catch((e) => e);
    expect(err).toBeInstanceOf(SaeError);
    expect(err.message).toMatch(/non-finite activation \(NaN\) at row 121 \(global row 321\), column 5/);
    p.x[321 * D + 5] = 0;
    p.x[40 * D] = -Infinity;
    await writeCache(join(dir, 'inf'), [p.x], D, { shardRows: 200 });
    await expect(trainSae(small(join(dir, 'inf')))).rejects.toThrow(
      /non-finite activation \(-Infinity\).*global row 40\b/,
    );
  });

  it('bad options', async () => {
    const c = join(dir, 'good');
    await expect(trainSae({ ...small(c), k: 64 })).rejects.toThrow(/k=64 exceeds width=32/);
    await expect(trainSae({ ...small(c), lr: -1 })).rejects.toThrow(/lr must be a positive number/);
    await expect(trainSae({ ...small(c), batch: 0 })).rejects.toThrow(/batch must be an integer >= 1/);
    await expect(trainSae({ ...small(c), device: 'tpu' })).rejects.toThrow(/unknown device "tpu"/);
    await expect(trainSae({ ...small(c), engine: 'gpu' as never })).rejects.toThrow(SaeError);
  });

  it('--device cuda without a CUDA provider falls back to CPU and says so', async () => {
    const logs: string[] = [];
    const r = await trainSae({ ...small(join(dir, 'good')), device: 'cuda', log: (m) => logs.push(m) });
    if (r.metrics!.training.device === 'cpu') expect(logs.join('\n')).toMatch(/--device cuda: .*falling back to CPU/);
    else expect(r.metrics!.training.device).toBe('cuda');
  });
});

describe('SAE dimension mismatches', () => {
  it('activations whose d differs from the SAE', async () => {
    const sae = tinySae(D);
    await saveSae(join(dir, 'tiny'), sae);
    await expect(loadSae(join(dir, 'tiny'), { dIn: 24 })).rejects.toThrow(
      /SAE has d_in=16 but the activations have d=24/,
    );
    expect(() => encode(sae, new Float32Array(24 * 3))).toThrow(/72 values, not a multiple of the SAE's d_in=16/);
    await expect(evaluateSae(sae, new Float32Array(10 * 7))).rejects.toThrow(SaeError);
    expect(() => encode(sae, Float32Array.of(...new Array(15).fill(0), NaN))).toThrow(/non-finite input value NaN/);
  });

  it('a file whose tensors disagree with its cfg.json', async () => {
    await saveSae(join(dir, 'tiny2'), tinySae(D));
    const cfgPath = join(dir, 'tiny2', 'cfg.json');
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
    await writeFile(cfgPath, JSON.stringify({ ...cfg, d_in: 20 }));
    await expect(loadSae(join(dir, 'tiny2'))).rejects.toThrow(/tensor W_enc has shape \[16, 8\], expected \[20, 8\]/);
  });

  it('resuming a checkpoint on a cache of another width', async () => {
    const out = join(dir, 'resume-d');
    const ac = new AbortController();
    await trainSae({
      ...small(join(dir, 'good'), out),
      signal: ac.signal,
      onProgress: () => ac.abort(),
      progressEvery: 1,
    });
    const q = plantedDictionary({ d: 8, atoms: 12, k: 2, n: 300 });
    await writeCache(join(dir, 'd8'), [q.x], 8);
    await expect(trainSae({ ...small(join(dir, 'd8'), out), resume: true })).rejects.toThrow(
      /checkpoint was trained on d_in=16 but the cache has d=8/,
    );
  });
});

describe('SAE config errors', () => {
  it('unknown cfg.json keys, bad JSON, unsupported architectures', async () => {
    const out = join(dir, 'cfgerr');
    await saveSae(out, tinySae(D));
    const cfg = JSON.parse(await readFile(join(out, 'cfg.json'), 'utf8'));
    await writeFile(join(out, 'cfg.json'), JSON.stringify({ ...cfg, l1_coefficient_typo: 5 }));
    const err = await loadSae(out).catch((e) => e);
    expect(err).toBeInstanceOf(SaeError);
    expect(err.message).toMatch(/unknown SAELens config key "l1_coefficient_typo"/);
    expect((await loadSae(out, { allowUnknownKeys: true })).d_in).toBe(D);
    await writeFile(join(out, 'cfg.json'), '{ "d_in": 16,');
    await expect(loadSae(out)).rejects.toThrow(/cfg\.json is not valid JSON/);
    await writeFile(join(out, 'cfg.json'), JSON.stringify({ ...cfg, architecture: 'gated' }));
    await expect(loadSae(out)).rejects.toThrow(/unsupported architecture "gated"/);
    await writeFile(
      join(out, 'cfg.json'),
      JSON.stringify({ ...cfg, normalize_activations: 'expected_average_only_in' }),
    );
    await expect(loadSae(out)).rejects.toThrow(/normalize_activations "expected_average_only_in" is not supported/);
    await expect(loadSae(join(dir, 'nowhere'))).rejects.toThrow(/has no cfg\.json/);
  });
});
