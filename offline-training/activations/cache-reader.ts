// Reads the sharded activation cache that `gloss-train extract` writes: index.json plus raw
// little-endian row-major [rows, d] shards (float32 or float16).
//
// Memory stays bounded independent of corpus size: batches come from a shuffle buffer of a few
// shards at a time (about `bufferBytes`, at least one shard), and sampling reads single rows.
//
// The held-out split is deterministic and needs no data pass: rows are grouped into blocks of
// consecutive rows (tokens of one text stay together, so held-out texts do not leak into
// training through their neighbours), and the ceil(fraction * blocks) blocks with the smallest
// hash of their index are held out. The split depends only on the row count and the fraction.
//
// The batch stream is a pure function of (seed, position): epoch e visits the shards in a
// seeded permutation, groups them into buffers, and shuffles each buffer with a seed derived
// from (seed, e, group). `skipBatches` jumps to any position without reading the skipped
// groups, which is what makes resumed training identical to uninterrupted training.
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { f16BytesToF32 } from '../util/float16.ts';
import { mulberry32, shuffleInPlace } from '../util/random.ts';

export { mulberry32 };

/**
 * An activation cache that cannot be read (missing or malformed index.json, short or missing shards, non-finite
 * values).
 */
export class CacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheError';
  }
}

/** Element type of a cache's shards on disk. */
export type CacheDtype = 'float32' | 'float16';

/** One shard file and its row count. */
export interface CacheShard {
  file: string;
  rows: number;
}

/** The held-out fraction (by blocks of rows) and the rows per block. */
export interface OpenCacheOptions {
  /** Fraction of rows held out for evaluation (default 0.05). 0 holds out nothing. */
  heldOutFraction?: number;
  /** Rows per split block (default: 128, fewer for small caches so both splits exist). */
  blockRows?: number;
}

/**
 * How to draw batches: shuffled with a seed, epochs, batches to skip (resume), split, whether to drop a short
 * last batch.
 */
export interface BatchOptions {
  shuffle?: boolean;
  seed?: number;
  /** true: rows of the held-out split; false (default): training rows. */
  heldOut?: boolean;
  /** Passes over the split (default 1; Infinity for an endless stream). */
  epochs?: number;
  /** Start this many batches into the stream (resume). */
  skipBatches?: number;
  /** Drop a final partial batch (default false). */
  dropLast?: boolean;
  /** Target shuffle buffer size in bytes of float32 rows (default 128 MiB; at least one shard). */
  bufferBytes?: number;
  /** Stop at the first non-finite value with a CacheError (default true). */
  checkFinite?: boolean;
}

/**
 * An opened activation cache: width d, row counts per split, and reads of samples and batches as float32 [rows,
 * d].
 */
export interface ActivationCache {
  readonly dir: string;
  readonly d: number;
  readonly rows: number;
  readonly dtype: CacheDtype;
  readonly shards: readonly CacheShard[];
  /** Whether the extractor marked the cache complete (absent flag counts as complete). */
  readonly complete: boolean;
  /** index.json's "source" (what produced the cache), as written. */
  readonly source: unknown;
  readonly trainRows: number;
  readonly heldOutRows: number;
  readonly blockRows: number;
  readonly heldOutFraction: number;
  /** Whether global row `row` is in the held-out split. */
  isHeldOut(row: number): boolean;
  /** Row-major [n, d] batches; the last one may be shorter unless dropLast. */
  batches(batchSize: number, opts?: BatchOptions): AsyncGenerator<Float32Array>;
  /** Up to n rows of a split, evenly spaced over it (all of it when n >= its size), as [n, d]. */
  sample(n: number, opts?: { heldOut?: boolean; checkFinite?: boolean }): Promise<Float32Array>;
  /** Rows [start, start + count) of the whole cache (both splits), as [count, d]. */
  readRows(start: number, count: number): Promise<Float32Array>;
}

interface IndexFile {
  version: number;
  d: number;
  dtype: string;
  shards: CacheShard[];
  complete?: boolean;
  source?: unknown;
}

const BYTES: Record<CacheDtype, number> = { float32: 4, float16: 2 };

/**
 * Opens an activation cache written by `gloss-train extract`: checks index.json and the shards' sizes, and
 * splits the rows into training and held-out blocks (`heldOutFraction`). Throws CacheError naming the problem.
 */
export async function openCache(dir: string, opts: OpenCacheOptions = {}): Promise<ActivationCache> {
  const indexPath = join(dir, 'index.json');
  let raw: string;
  try {
    raw = await readFile(indexPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CacheError(
      code === 'ENOENT'
        ? `${dir} is not an activation cache: ${indexPath} does not exist`
        : `cannot read ${indexPath}: ${(e as Error).message}`,
    );
  }
  let index: IndexFile;
  try {
    index = JSON.parse(raw) as IndexFile;
  } catch (e) {
    throw new CacheError(`${indexPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof index !== 'object' || index === null) throw new CacheError(`${indexPath}: expected a JSON object`);
  if (index.version !== 1)
    throw new CacheError(
      `${indexPath}: unsupported cache version ${JSON.stringify(index.version)} (this reader knows version 1)`,
    );
  if (!Number.isInteger(index.d) || index.d <= 0)
    throw new CacheError(`${indexPath}: "d" must be a positive integer, got ${JSON.stringify(index.d)}`);
  if (index.dtype !== 'float32' && index.dtype !== 'float16')
    throw new CacheError(`${indexPath}: "dtype" must be "float32" or "float16", got ${JSON.stringify(index.dtype)}`);
  if (!Array.isArray(index.shards)) throw new CacheError(`${indexPath}: "shards" must be an array`);
  const d = index.d;
  const dtype = index.dtype as CacheDtype;
  const shards: CacheShard[] = [];
  for (const [i, s] of index.shards.entries()) {
    if (
      typeof s?.file !== 'string' ||
      !Number.isInteger(s.rows) ||
      s.rows < 0 ||
      s.file.includes('/') ||
      s.file.includes('\\')
    ) {
      throw new CacheError(
        `${indexPath}: shard ${i} must be { file: <name in the cache folder>, rows: <non-negative integer> }, got ${JSON.stringify(s)}`,
      );
    }
    const expected = s.rows * d * BYTES[dtype];
    const size = await stat(join(dir, s.file)).then(
      (st) => st.size,
      () => -1,
    );
    if (size < 0) throw new CacheError(`${dir}: shard file ${s.file} is missing`);
    if (size !== expected)
      throw new CacheError(
        `${dir}/${s.file}: ${size} bytes, expected ${s.rows} rows x ${d} x ${BYTES[dtype]} = ${expected} (truncated or written with another d/dtype)`,
      );
    if (s.rows > 0) shards.push({ file: s.file, rows: s.rows });
  }
  const rows = shards.reduce((a, s) => a + s.rows, 0);
  if (rows === 0) throw new CacheError(`${dir}: the activation cache is empty (0 rows)`);
  return new Cache(dir, d, dtype, shards, rows, index.complete !== false, index.source, opts);
}

// ---- split ------------------------------------------------------------------------------------

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function permutation(n: number, rand: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, rand);
}

const seedOf = (...parts: number[]) => parts.reduce((h, v) => mix32(h ^ mix32(v >>> 0)) + 0x9e3779b9, 0x12345678) >>> 0;

// ---- the cache --------------------------------------------------------------------------------

interface ShardSplit {
  /** Segments [start, end) of shard-local rows, per split. */
  train: [number, number][];
  held: [number, number][];
  trainRows: number;
  heldRows: number;
  /** Global index of the shard's first row. */
  offset: number;
}

class Cache implements ActivationCache {
  readonly trainRows: number;
  readonly heldOutRows: number;
  readonly blockRows: number;
  readonly heldOutFraction: number;
  private readonly heldBlocks: Uint8Array;
  private readonly split: ShardSplit[];

  constructor(
    readonly dir: string,
    readonly d: number,
    readonly dtype: CacheDtype,
    readonly shards: CacheShard[],
    readonly rows: number,
    readonly complete: boolean,
    readonly source: unknown,
    opts: OpenCacheOptions,
  ) {
    const frac = opts.heldOutFraction ?? 0.05;
    if (!(frac >= 0 && frac < 1)) throw new CacheError(`heldOutFraction must be in [0, 1), got ${frac}`);
    this.heldOutFraction = frac;
    this.blockRows = opts.blockRows ?? (rows >= 128 * 64 ? 128 : Math.max(1, Math.floor(rows / 64)));
    if (!Number.isInteger(this.blockRows) || this.blockRows < 1)
      throw new CacheError(`blockRows must be a positive integer, got ${opts.blockRows}`);
    const nBlocks = Math.ceil(rows / this.blockRows);
    this.heldBlocks = new Uint8Array(nBlocks);
    const nHeld = frac === 0 ? 0 : Math.min(nBlocks - 1, Math.ceil(frac * nBlocks));
    if (nHeld > 0) {
      const order = Array.from({ length: nBlocks }, (_, i) => i).sort(
        (a, b) => mix32(a ^ 0x5bd1e995) - mix32(b ^ 0x5bd1e995) || a - b,
      );
      for (let i = 0; i < nHeld; i++) this.heldBlocks[order[i]] = 1;
    }
    let offset = 0;
    let train = 0;
    let held = 0;
    this.split = shards.map((s) => {
      const sp: ShardSplit = { train: [], held: [], trainRows: 0, heldRows: 0, offset };
      let r = 0;
      while (r < s.rows) {
        const g = offset + r;
        const blockEnd = (Math.floor(g / this.blockRows) + 1) * this.blockRows;
        const end = Math.min(s.rows, blockEnd - offset);
        const isHeld = this.heldBlocks[Math.floor(g / this.blockRows)] === 1;
        const segs = isHeld ? sp.held : sp.train;
        const last = segs[segs.length - 1];
        if (last && last[1] === r) last[1] = end;
        else segs.push([r, end]);
        if (isHeld) sp.heldRows += end - r;
        else sp.trainRows += end - r;
        r = end;
      }
      offset += s.rows;
      train += sp.trainRows;
      held += sp.heldRows;
      return sp;
    });
    this.trainRows = train;
    this.heldOutRows = held;
  }

  isHeldOut(row: number): boolean {
    return this.heldBlocks[Math.floor(row / this.blockRows)] === 1;
  }

  /** Reads a whole shard as float32 [rows, d]. */
  private async readShard(i: number): Promise<Float32Array> {
    const s = this.shards[i];
    const path = join(this.dir, s.file);
    const bytes = await readFile(path).catch((e: Error) => {
      throw new CacheError(`cannot read ${path}: ${e.message}`);
    });
    const n = s.rows * this.d;
    if (bytes.length !== n * BYTES[this.dtype])
      throw new CacheError(`${path} changed size while training (${bytes.length} bytes)`);
    if (this.dtype === 'float32') {
      if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    }
    const out = new Float32Array(n);
    f16BytesToF32(bytes, out);
    return out;
  }

  private checkFinite(a: Float32Array, shard: number, localRow0: number): void {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v - v !== 0) {
        const row = Math.floor(i / this.d);
        throw new CacheError(
          `${this.dir}/${this.shards[shard].file}: non-finite activation (${v}) at row ${localRow0 + row} (global row ${this.split[shard].offset + localRow0 + row}), column ${i % this.d}; re-extract or drop that shard`,
        );
      }
    }
  }

  async *batches(batchSize: number, opts: BatchOptions = {}): AsyncGenerator<Float32Array> {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new CacheError(`batch size must be a positive integer, got ${batchSize}`);
    const held = opts.heldOut ?? false;
    const shuffle = opts.shuffle ?? false;
    const seed = opts.seed ?? 0;
    const epochs = opts.epochs ?? 1;
    const checkFinite = opts.checkFinite ?? true;
    const splitRows = held ? this.heldOutRows : this.trainRows;
    if (splitRows === 0) {
      throw new CacheError(
        `${this.dir}: the ${held ? 'held-out' : 'training'} split is empty (${this.rows} rows, held-out fraction ${this.heldOutFraction})`,
      );
    }
    const d = this.d;
    const bufferRows = Math.max(1, Math.floor((opts.bufferBytes ?? 128 * 2 ** 20) / (4 * d)));
    let skip = (opts.skipBatches ?? 0) * batchSize;
    let pending = new Float32Array(batchSize * d);
    let fill = 0;
    const rowsOf = (i: number) => (held ? this.split[i].heldRows : this.split[i].trainRows);

    for (let e = 0; e < epochs; e++) {
      // Whole epochs can be skipped without reading anything.
      if (skip >= splitRows) {
        skip -= splitRows;
        continue;
      }
      const order = shuffle
        ? permutation(this.shards.length, mulberry32(seedOf(seed, e, 1)))
        : Uint32Array.from(this.shards.keys());
      const groups: number[][] = [];
      let cur: number[] = [];
      let curRows = 0;
      for (const s of order) {
        if (rowsOf(s) === 0) continue;
        cur.push(s);
        curRows += rowsOf(s);
        if (!shuffle || curRows >= bufferRows) {
          groups.push(cur);
          cur = [];
          curRows = 0;
        }
      }
      if (cur.length) groups.push(cur);

      let prefetch: Promise<Float32Array> | undefined;
      for (let gi = 0; gi < groups.length; gi++) {
        const group = groups[gi];
        const gRows = group.reduce((a, s) => a + rowsOf(s), 0);
        if (skip >= gRows) {
          skip -= gRows;
          continue;
        }
        const rows = await (prefetch ?? this.readGroup(group, held, checkFinite));
        prefetch = undefined;
        // Overlap the next group's read with the consumer's compute.
        const next = groups[gi + 1];
        if (next) {
          prefetch = this.readGroup(next, held, checkFinite);
          prefetch.catch(() => undefined); // surfaced when awaited
        }
        const perm = shuffle ? permutation(gRows, mulberry32(seedOf(seed, e, gi, 2))) : undefined;
        for (let r = skip; r < gRows; r++) {
          const src = perm ? perm[r] : r;
          pending.set(rows.subarray(src * d, src * d + d), fill * d);
          if (++fill === batchSize) {
            yield pending;
            pending = new Float32Array(batchSize * d);
            fill = 0;
          }
        }
        skip = 0;
      }
    }
    if (fill > 0 && !opts.dropLast) yield pending.slice(0, fill * d);
  }

  /** The rows of one split from a group of shards, concatenated. */
  private async readGroup(group: number[], held: boolean, checkFinite: boolean): Promise<Float32Array> {
    const d = this.d;
    const total = group.reduce((a, s) => a + (held ? this.split[s].heldRows : this.split[s].trainRows), 0);
    const out = new Float32Array(total * d);
    let o = 0;
    for (const s of group) {
      const data = await this.readShard(s);
      for (const [a, b] of held ? this.split[s].held : this.split[s].train) {
        const seg = data.subarray(a * d, b * d);
        if (checkFinite) this.checkFinite(seg, s, a);
        out.set(seg, o);
        o += seg.length;
      }
    }
    return out;
  }

  async sample(n: number, opts: { heldOut?: boolean; checkFinite?: boolean } = {}): Promise<Float32Array> {
    const held = opts.heldOut ?? false;
    const total = held ? this.heldOutRows : this.trainRows;
    if (total === 0) throw new CacheError(`${this.dir}: the ${held ? 'held-out' : 'training'} split is empty`);
    const count = Math.min(Math.max(0, Math.floor(n)), total);
    const d = this.d;
    const out = new Float32Array(count * d);
    if (count === 0) return out;
    // Split ranks of the wanted rows, increasing.
    const ranks = new Float64Array(count);
    for (let i = 0; i < count; i++) ranks[i] = Math.floor(((i + 0.5) * total) / count);
    const bpe = BYTES[this.dtype];
    let ri = 0;
    let rankBase = 0;
    let outRow = 0;
    for (let s = 0; s < this.shards.length && ri < count; s++) {
      const sp = this.split[s];
      const segs = held ? sp.held : sp.train;
      const sRows = held ? sp.heldRows : sp.trainRows;
      if (ri < count && ranks[ri] >= rankBase + sRows) {
        rankBase += sRows;
        continue;
      }
      // Local rows wanted from this shard.
      const local: number[] = [];
      let segBase = rankBase;
      for (const [a, b] of segs) {
        while (ri < count && ranks[ri] < segBase + (b - a)) local.push(a + (ranks[ri++] - segBase));
        segBase += b - a;
      }
      rankBase += sRows;
      const path = join(this.dir, this.shards[s].file);
      const fh = await open(path, 'r').catch((e: Error) => {
        throw new CacheError(`cannot read ${path}: ${e.message}`);
      });
      try {
        // Coalesce consecutive rows into one read.
        let i = 0;
        while (i < local.length) {
          let j = i + 1;
          while (j < local.length && local[j] === local[j - 1] + 1 && j - i < 4096) j++;
          const rowsN = j - i;
          const buf = Buffer.alloc(rowsN * d * bpe);
          await fh.read(buf, 0, buf.length, local[i] * d * bpe);
          const outOff = outRow * d;
          this.decodeInto(buf, out, outOff, rowsN * d);
          if (opts.checkFinite ?? true) this.checkFinite(out.subarray(outOff, outOff + rowsN * d), s, local[i]);
          outRow += rowsN;
          i = j;
        }
      } finally {
        await fh.close();
      }
    }
    return out;
  }

  private decodeInto(buf: Buffer, out: Float32Array, offset: number, n: number): void {
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    if (this.dtype === 'float16') f16BytesToF32(bytes, out, offset);
    else if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n), offset);
    else out.set(new Float32Array(bytes.slice().buffer, 0, n), offset);
  }

  async readRows(start: number, count: number): Promise<Float32Array> {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.rows) {
      throw new CacheError(`readRows(${start}, ${count}) is outside the cache's ${this.rows} rows`);
    }
    const d = this.d;
    const bpe = BYTES[this.dtype];
    const out = new Float32Array(count * d);
    let o = 0;
    for (let s = 0; s < this.shards.length && o < count; s++) {
      const sp = this.split[s];
      const a = Math.max(start + o, sp.offset);
      const b = Math.min(start + count, sp.offset + this.shards[s].rows);
      if (a >= b) continue;
      const path = join(this.dir, this.shards[s].file);
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc((b - a) * d * bpe);
        await fh.read(buf, 0, buf.length, (a - sp.offset) * d * bpe);
        this.decodeInto(buf, out, o * d, (b - a) * d);
      } finally {
        await fh.close();
      }
      o += b - a;
    }
    return out;
  }
}
