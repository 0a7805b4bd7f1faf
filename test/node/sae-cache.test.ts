// The activation cache reader: exact float32 rows, float16 conversion, a deterministic held-out
// split by blocks, shuffled epochs that visit every training row once, and skipBatches landing
// exactly where the full stream would be (what resumed training relies on).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache } from '../../offline-training/activations/cache-reader.ts';
import { writeCache } from '../helpers/make-cache.ts';

let dir: string;
const d = 8;
const N = 1000;
// Row r holds r in column 0 (exact in float16 up to 2048) and r/1000 + i in the others.
const rows = Float32Array.from({ length: N * d }, (_, t) =>
  t % d === 0 ? Math.floor(t / d) : Math.floor(t / d) / 1000 + (t % d),
);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-sae-cache-'));
  await writeCache(join(dir, 'f32'), [rows], d, { shardRows: 130 });
  await writeCache(join(dir, 'f16'), [rows], d, { shardRows: 130, dtype: 'float16' });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function collect(gen: AsyncGenerator<Float32Array>): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for await (const b of gen) out.push(b);
  return out;
}
const ids = (batches: Float32Array[]) =>
  batches.flatMap((b) => Array.from({ length: b.length / d }, (_, r) => b[r * d]));

describe('activation cache reader', () => {
  it('reads float32 rows exactly and float16 rows within half precision', async () => {
    const c32 = await openCache(join(dir, 'f32'), { heldOutFraction: 0 });
    expect([c32.d, c32.rows, c32.dtype, c32.shards.length]).toEqual([d, N, 'float32', 8]);
    expect(await c32.readRows(125, 10)).toEqual(rows.subarray(125 * d, 135 * d));
    const c16 = await openCache(join(dir, 'f16'), { heldOutFraction: 0 });
    const got = await c16.readRows(0, N);
    let maxRel = 0;
    for (let t = 0; t < rows.length; t++)
      maxRel = Math.max(maxRel, Math.abs(got[t] - rows[t]) / Math.max(1, Math.abs(rows[t])));
    expect(maxRel).toBeGreaterThan(0);
    expect(maxRel).toBeLessThan(1e-3);
    expect(got[500 * d]).toBe(500);
  });

  it('holds out whole blocks, deterministically and disjointly', async () => {
    const a = await openCache(join(dir, 'f32'), { heldOutFraction: 0.1 });
    const b = await openCache(join(dir, 'f32'), { heldOutFraction: 0.1 });
    expect(a.heldOutRows + a.trainRows).toBe(N);
    expect(a.heldOutRows).toBeGreaterThan(0.08 * N);
    expect(a.heldOutRows).toBeLessThan(0.15 * N);
    const held = ids(await collect(a.batches(64, { heldOut: true })));
    const train = ids(await collect(a.batches(64)));
    expect(held).toEqual(ids(await collect(b.batches(64, { heldOut: true }))));
    expect(held.length).toBe(a.heldOutRows);
    expect(new Set([...held, ...train]).size).toBe(N);
    for (const r of held) expect(a.isHeldOut(r)).toBe(true);
    // Blocks of consecutive rows: held-out rows come in runs of blockRows.
    expect(held.filter((r, i) => i > 0 && held[i - 1] === r - 1).length).toBeGreaterThan(held.length * 0.8);
  });

  it('shuffles each epoch differently and visits every training row once per epoch', async () => {
    const c = await openCache(join(dir, 'f32'), { heldOutFraction: 0.1 });
    const stream = ids(await collect(c.batches(100, { shuffle: true, seed: 3, epochs: 2, bufferBytes: 300 * d * 4 })));
    const e1 = stream.slice(0, c.trainRows);
    const e2 = stream.slice(c.trainRows);
    expect(new Set(e1).size).toBe(c.trainRows);
    expect([...e2].sort((p, q) => p - q)).toEqual([...e1].sort((p, q) => p - q));
    expect(e2).not.toEqual(e1);
    expect(e1.slice(0, 50)).not.toEqual([...e1].sort((p, q) => p - q).slice(0, 50));
    const again = ids(await collect(c.batches(100, { shuffle: true, seed: 3, epochs: 2, bufferBytes: 300 * d * 4 })));
    expect(again).toEqual(stream);
    const other = ids(await collect(c.batches(100, { shuffle: true, seed: 4, epochs: 2, bufferBytes: 300 * d * 4 })));
    expect(other).not.toEqual(stream);
  });

  it('skipBatches lands exactly where the full stream is, across buffer groups and epochs', async () => {
    const c = await openCache(join(dir, 'f32'), { heldOutFraction: 0.1 });
    const opts = { shuffle: true, seed: 9, epochs: 3, bufferBytes: 250 * d * 4, dropLast: true };
    const full = await collect(c.batches(64, opts));
    for (const skip of [1, 7, 14, 15, 29, 30]) {
      const tail = await collect(c.batches(64, { ...opts, skipBatches: skip }));
      expect(tail.length).toBe(full.length - skip);
      expect(tail[0]).toEqual(full[skip]);
      expect(tail[tail.length - 1]).toEqual(full[full.length - 1]);
    }
  });

  it('samples rows evenly across the split', async () => {
    const c = await openCache(join(dir, 'f32'), { heldOutFraction: 0.1 });
    const s = await c.sample(100);
    const got = Array.from({ length: 100 }, (_, r) => s[r * d]);
    expect(got.every((r, i) => i === 0 || r > got[i - 1])).toBe(true);
    expect(got.every((r) => !c.isHeldOut(r))).toBe(true);
    expect(got[0]).toBeLessThan(30);
    expect(got[99]).toBeGreaterThan(960);
    const all = await c.sample(5000, { heldOut: true });
    expect(all.length).toBe(c.heldOutRows * d);
  });
});
