// The PyTorch engine reads the activation cache as the TypeScript reader does: the same held-out
// blocks, the same evenly spaced samples and the same shuffled batch stream (with skipping), for
// float32 and float16 shards. Each row carries its own index in column 0, so orders compare as
// integers.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCache } from '../../offline-training/activations/cache-reader.ts';
import { writeCache } from '../helpers/make-cache.ts';
import { haveTorch, runPython } from '../helpers/torch-env.ts';

const ok = haveTorch('torch-cache');
const d = 4;
const n = 1900; // below 2048, so float16 holds every index exactly

const PY = `
import json, sys
from gloss_torch.cache import ActivationCache
c = ActivationCache(sys.argv[1], held_out_fraction=0.1)
ids = lambda a: [int(v) for v in a[:, 0].round()]
out = {
  "split": [c.train_rows, c.held_out_rows, c.block_rows],
  "train_sample": ids(c.sample(50)),
  "held_sample": ids(c.sample(30, held_out=True)),
  "batches": [ids(b) for _, b in zip(range(12), c.batches(96, shuffle=True, seed=5, epochs=float("inf"), skip_batches=7, drop_last=True, buffer_bytes=700 * 16))],
  "plain": [ids(b) for b in c.batches(500, held_out=True)],
}
print(json.dumps(out))
`;

async function tsOrder(dir: string) {
  const c = await openCache(dir, { heldOutFraction: 0.1 });
  const ids = (a: Float32Array) => Array.from({ length: a.length / d }, (_, i) => Math.round(a[i * d]));
  const batches: number[][] = [];
  for await (const b of c.batches(96, {
    shuffle: true,
    seed: 5,
    epochs: Infinity,
    skipBatches: 7,
    dropLast: true,
    bufferBytes: 700 * 16,
  })) {
    batches.push(ids(b));
    if (batches.length === 12) break;
  }
  const plain: number[][] = [];
  for await (const b of c.batches(500, { heldOut: true })) plain.push(ids(b));
  return {
    split: [c.trainRows, c.heldOutRows, c.blockRows],
    train_sample: ids(await c.sample(50)),
    held_sample: ids(await c.sample(30, { heldOut: true })),
    batches,
    plain,
  };
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gloss-torch-cache-'));
});

describe.skipIf(!ok)('gloss_torch.cache against activations/cache-reader.ts', () => {
  for (const dtype of ['float32', 'float16'] as const) {
    it(`visits the same rows in the same order (${dtype}, uneven shards)`, async () => {
      const dir = join(root, dtype);
      const x = new Float32Array(n * d);
      for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) x[r * d + i] = i === 0 ? r : Math.sin(r + i);
      await writeCache(dir, [x], d, { dtype, shardRows: 333 });
      const py = JSON.parse(await runPython(['-c', PY, dir]));
      const ts = await tsOrder(dir);
      expect(py.split).toEqual(ts.split);
      expect(py.train_sample).toEqual(ts.train_sample);
      expect(py.held_sample).toEqual(ts.held_sample);
      expect(py.batches).toEqual(ts.batches);
      expect(py.plain).toEqual(ts.plain);
      // The stream crossed epochs and shuffle groups, and the held-out rows never appear in it.
      const c = await openCache(dir, { heldOutFraction: 0.1 });
      const seen = ts.batches.flat();
      expect(new Set(seen).size).toBeGreaterThan(n * 0.5);
      expect(seen.some((r: number) => c.isHeldOut(r))).toBe(false);
    });
  }
});
