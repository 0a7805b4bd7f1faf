// gloss-train extract: runs the detector's `resid` output over a corpus and writes a sharded
// activation cache. Memory stays bounded (one shard buffer), shards are written atomically, and
// an interrupted run resumes where its last complete shard ended.
import { mkdir, readFile, rename, writeFile, appendFile, truncate, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { progressBar, type Progress } from '../util/progress.ts';
import { Tokenizer } from '@huggingface/tokenizers';
import { readManifest, readVerified, readVerifiedJson } from '../../src/core/bundle/source.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import { UsageError } from '../util/errors.ts';
import { encodeFloat16 } from '../util/float16.ts';
import { readTexts, type SourceText } from '../data/texts.ts';

/** What extract takes: detector folder, corpus files, output cache folder and how to write it. */
export interface ExtractOptions {
  detector: string;
  data: string[];
  out: string;
  field?: string;
  dtype?: 'float32' | 'float16';
  /** Process only texts whose global index i satisfies i % count === index. */
  shard?: { index: number; count: number };
  /** Rows per shard file (default 16384). */
  shardRows?: number;
  /** Longer texts are split into windows of this many tokens (default: the manifest's, or 256). */
  maxTokens?: number;
  progress?: boolean;
}

/**
 * A cache's index.json: width d, dtype, rows, shards, the settings it was written with, and whether it is
 * complete.
 */
export interface CacheIndex {
  version: 1;
  d: number;
  dtype: 'float32' | 'float16';
  shards: { file: string; rows: number }[];
  rows: number;
  texts: number;
  complete: boolean;
  source: {
    detector: string;
    detectorSha256: string;
    layer: number;
    data: string[];
    field: string | null;
    shard: string;
    maxTokens: number;
  };
}

/** A tokens.jsonl line: which text a run of rows came from, and each row's token and character offsets. */
export interface TokenRecord {
  id: string;
  text: string;
  /** First cache row of this text; its tokens occupy rows [row, row + ids.length). */
  row: number;
  ids: number[];
  tokens: string[];
}

/** Parses `--shard i/n` (0 <= i < n); throws UsageError otherwise. */
export function parseShardSpec(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`--shard must look like i/n (e.g. 0/4), got "${spec}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${spec}: need 0 <= i < n`);
  return { index, count };
}

type PendingText = { rec: TokenRecord; acts: Float32Array };

// Opens the detector folder and its ONNX session, refusing one without a `resid` output.
async function openDetector(opts: ExtractOptions) {
  const source = folderSource(opts.detector);
  const manifest = await readManifest(source).catch((e) => {
    throw new UsageError(`--detector ${opts.detector}: ${(e as Error).message}`);
  });
  const model = await readVerified(source, manifest, 'detector.onnx');
  const tokenizer = new Tokenizer(await readVerifiedJson<object>(source, manifest, 'tokenizer.json'), {});
  const session = await ort.InferenceSession.create(model);
  if (!session.outputNames.includes('resid')) {
    throw new UsageError(
      `detector ${opts.detector} has no "resid" output (outputs: ${session.outputNames.join(', ')})`,
    );
  }
  return { manifest, tokenizer, session };
}

// Reads every --data file and keeps this shard's texts; an empty selection is a usage error.
async function readShardTexts(opts: ExtractOptions, shard: { index: number; count: number }): Promise<SourceText[]> {
  const all: SourceText[] = [];
  for (const f of opts.data) all.push(...(await readTexts(f, { field: opts.field })));
  const texts = all.filter((_, i) => i % shard.count === shard.index);
  if (texts.length === 0)
    throw new UsageError(
      `no texts found in ${opts.data.join(', ')}${shard.count > 1 ? ` for shard ${shard.index}/${shard.count}` : ''}`,
    );
  return texts;
}

// The progress bar when asked for (log lines off a terminal), started at where a resumed run left off.
function startProgress(opts: ExtractOptions, total: number, index: CacheIndex): Progress | undefined {
  const bar = opts.progress
    ? progressBar('extract [{bar}] {value}/{total} texts | {rows} rows | eta {eta_formatted}')
    : undefined;
  bar?.start(total, index.texts, { rows: index.rows });
  return bar;
}

// Runs the detector over one text in windows of maxTokens and returns its per-token activations.
async function embedText(
  session: ort.InferenceSession,
  ids: number[],
  id: string,
  d: number,
  maxTokens: number,
): Promise<Float32Array> {
  const acts = new Float32Array(ids.length * d);
  for (let w = 0; w < ids.length; w += maxTokens) {
    const win = ids.slice(w, w + maxTokens);
    const feed = { input_ids: new ort.Tensor('int64', BigInt64Array.from(win.map(BigInt)), [1, win.length]) };
    const out = await session.run(feed, ['resid']);
    const resid = out.resid.data as Float32Array;
    assertFinite(resid, id);
    acts.set(resid, w * d);
  }
  return acts;
}

// Writes the pending texts as one shard (atomically), appends their token records, and advances the index.
async function writeShard(
  out: string,
  index: CacheIndex,
  pending: PendingText[],
  pendingRows: number,
  dtype: CacheIndex['dtype'],
): Promise<void> {
  const buf = new Float32Array(pendingRows * index.d);
  let o = 0;
  for (const p of pending) {
    buf.set(p.acts, o);
    o += p.acts.length;
  }
  const file = `shard-${String(index.shards.length).padStart(5, '0')}.bin`;
  const bytes = dtype === 'float16' ? encodeFloat16(buf) : buf;
  await writeFile(join(out, `${file}.tmp`), new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  await rename(join(out, `${file}.tmp`), join(out, file));
  await appendFile(join(out, 'tokens.jsonl'), pending.map((p) => JSON.stringify(p.rec)).join('\n') + '\n');
  index.shards.push({ file, rows: pendingRows });
  index.rows += pendingRows;
  index.texts += pending.length;
  await writeIndex(out, index);
}

/**
 * Runs the detector over every text of `data` and writes its residual-stream activations as a sharded cache
 * ([rows, d] float32/float16 shards, tokens.jsonl tracing each row to its text and token, index.json). Resumes
 * an interrupted run with the same settings. Throws UsageError for a bad detector, input or a cache written with
 * other settings.
 */
export async function extract(opts: ExtractOptions): Promise<CacheIndex> {
  if (opts.data.length === 0) throw new UsageError('no --data files given');
  const { manifest, tokenizer, session } = await openDetector(opts);
  const d = manifest.detector.hiddenSize;
  const dtype = opts.dtype ?? 'float32';
  const shardRows = opts.shardRows ?? 16384;
  const maxTokens = opts.maxTokens ?? manifest.detector.maxTokens ?? 256;
  const shard = opts.shard ?? { index: 0, count: 1 };
  const texts = await readShardTexts(opts, shard);

  const wanted: CacheIndex['source'] = {
    detector: resolve(opts.detector),
    detectorSha256: manifest.files['detector.onnx'].sha256,
    layer: manifest.detector.layer,
    data: opts.data.map((f) => resolve(f)),
    field: opts.field ?? null,
    shard: `${shard.index}/${shard.count}`,
    maxTokens,
  };
  await mkdir(opts.out, { recursive: true });
  const index = await resumeIndex(opts.out, wanted, d, dtype);
  if (index.complete) return index;
  const bar = startProgress(opts, texts.length, index);

  let pending: PendingText[] = [];
  let pendingRows = 0;
  const flush = async () => {
    if (pendingRows === 0) return;
    await writeShard(opts.out, index, pending, pendingRows, dtype);
    pending = [];
    pendingRows = 0;
  };
  for (let t = index.texts; t < texts.length; t++) {
    const { id, text } = texts[t];
    const enc = tokenizer.encode(text);
    const ids = enc.ids;
    const acts = await embedText(session, ids, id, d, maxTokens);
    pending.push({ rec: { id, text, row: index.rows + pendingRows, ids, tokens: enc.tokens }, acts });
    pendingRows += ids.length;
    if (pendingRows >= shardRows) await flush();
    bar?.update(t + 1, { rows: index.rows + pendingRows });
  }
  await flush();
  index.complete = true;
  await writeIndex(opts.out, index);
  bar?.stop();
  await session.release();
  return index;
}

function assertFinite(a: Float32Array, id: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`detector produced a non-finite activation for ${id}`);
  }
}

async function writeIndex(dir: string, index: CacheIndex): Promise<void> {
  await writeFile(join(dir, 'index.json.tmp'), JSON.stringify(index, null, 1));
  await rename(join(dir, 'index.json.tmp'), join(dir, 'index.json'));
}

/** Picks up an earlier run into the same folder, or starts afresh; refuses a mismatched one. */
async function resumeIndex(
  dir: string,
  wanted: CacheIndex['source'],
  d: number,
  dtype: CacheIndex['dtype'],
): Promise<CacheIndex> {
  const fresh: CacheIndex = { version: 1, d, dtype, shards: [], rows: 0, texts: 0, complete: false, source: wanted };
  let prev: CacheIndex;
  try {
    prev = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as CacheIndex;
  } catch {
    await writeFile(join(dir, 'tokens.jsonl'), '');
    return fresh;
  }
  const same = JSON.stringify(prev.source) === JSON.stringify(wanted) && prev.d === d && prev.dtype === dtype;
  if (!same) {
    throw new UsageError(
      `${dir} holds a cache made with other settings (detector, data, field, shard or dtype); use a new --out folder`,
    );
  }
  // tokens.jsonl may have lines past the last index write if a run died in between: drop them.
  const tokensPath = join(dir, 'tokens.jsonl');
  const lines = (await readFile(tokensPath, 'utf8').catch(() => '')).split('\n');
  const keep = lines.slice(0, prev.texts).join('\n') + (prev.texts ? '\n' : '');
  if ((await stat(tokensPath).catch(() => undefined))?.size !== Buffer.byteLength(keep)) {
    await truncate(tokensPath, 0).catch(() => undefined);
    await writeFile(tokensPath, keep);
  }
  return prev;
}
