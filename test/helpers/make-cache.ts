// Writes a small activation cache in the format `gloss-train extract` produces, for tests.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFloat16 } from '../../offline-training/util/float16.ts';

export interface WriteCacheOptions {
  dtype?: 'float32' | 'float16';
  /** Rows per shard file (default 1024). */
  shardRows?: number;
}

/**
 * `rows`: arrays of whole rows (each a multiple of d values: one row, or a block of rows),
 * concatenated in order. Returns the number of rows written.
 */
export async function writeCache(
  dir: string,
  rows: Float32Array[],
  d: number,
  opts: WriteCacheOptions = {},
): Promise<number> {
  const dtype = opts.dtype ?? 'float32';
  const shardRows = opts.shardRows ?? 1024;
  const total = rows.reduce((a, r) => a + r.length, 0);
  if (total % d !== 0) throw new Error(`writeCache: ${total} values is not a multiple of d=${d}`);
  const all = new Float32Array(total);
  let o = 0;
  for (const r of rows) {
    all.set(r, o);
    o += r.length;
  }
  const n = total / d;
  await mkdir(dir, { recursive: true });
  const shards: { file: string; rows: number }[] = [];
  for (let start = 0; start < n; start += shardRows) {
    const end = Math.min(n, start + shardRows);
    const chunk = all.subarray(start * d, end * d);
    const data = dtype === 'float16' ? encodeFloat16(chunk) : chunk;
    const file = `shard-${String(shards.length).padStart(5, '0')}.bin`;
    await writeFile(join(dir, file), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    shards.push({ file, rows: end - start });
  }
  const index = { version: 1, d, dtype, shards, rows: n, texts: n, complete: true, source: { synthetic: true } };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index, null, 1));
  await writeFile(join(dir, 'tokens.jsonl'), '');
  return n;
}

/** Deterministic PRNG for test data (mulberry32). */
export function testRand(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    let u = 0;
    while (u === 0) u = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

export interface PlantedDictionary {
  d: number;
  /** Unit atoms [atoms, d]. */
  atoms: Float32Array;
  nAtoms: number;
  /** Rows [n, d]: k atoms per row with magnitudes in [0.5, 1.5], plus an offset and small noise. */
  x: Float32Array;
  n: number;
}

/** Sparse superpositions of known unit atoms: what a TopK SAE should recover. */
export function plantedDictionary(o: {
  d: number;
  atoms: number;
  k: number;
  n: number;
  noise?: number;
  offset?: number;
  seed?: number;
}): PlantedDictionary {
  const { d, k, n } = o;
  const r = testRand(o.seed ?? 7);
  const atoms = new Float32Array(o.atoms * d);
  for (let a = 0; a < o.atoms; a++) {
    let s = 0;
    for (let i = 0; i < d; i++) {
      const v = r.normal();
      atoms[a * d + i] = v;
      s += v * v;
    }
    for (let i = 0; i < d; i++) atoms[a * d + i] /= Math.sqrt(s);
  }
  const x = new Float32Array(n * d);
  const noise = o.noise ?? 0.01;
  const offset = o.offset ?? 0.3;
  for (let row = 0; row < n; row++) {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(r.uniform() * o.atoms));
    for (const a of chosen) {
      const mag = 0.5 + r.uniform();
      for (let i = 0; i < d; i++) x[row * d + i] += mag * atoms[a * d + i];
    }
    for (let i = 0; i < d; i++) x[row * d + i] += noise * r.normal() + offset;
  }
  return { d, atoms, nAtoms: o.atoms, x, n };
}

/** For each atom, the best cosine to any decoder row of W_dec [m, d]. */
export function bestCosines(atoms: Float32Array, nAtoms: number, W_dec: Float32Array, m: number, d: number): number[] {
  const norms = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += W_dec[j * d + i] ** 2;
    norms[j] = Math.sqrt(s) || 1;
  }
  const out: number[] = [];
  for (let a = 0; a < nAtoms; a++) {
    let best = -1;
    for (let j = 0; j < m; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += atoms[a * d + i] * W_dec[j * d + i];
      best = Math.max(best, dot / norms[j]);
    }
    out.push(best);
  }
  return out;
}

/**
 * A new temp dir named `prefix…` holding at `<dir>/<name>` a cache of the rows of
 * plantedDictionary(`planted`), `shardRows` rows per shard. Returns the dir; the caller removes it.
 */
export async function plantedCacheDir(
  prefix: string,
  name: string,
  planted: Parameters<typeof plantedDictionary>[0],
  shardRows: number,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeCache(join(dir, name), [plantedDictionary(planted).x], planted.d, { shardRows });
  return dir;
}
