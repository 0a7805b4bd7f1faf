// Detector forward latency (onnxruntime-node vs onnxruntime-web WASM in Node, fp32 vs int8) and
// how much of the machine's MatMul throughput the detector reaches.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { GraphBuilder, matmulFlops, readMatmulShapes } from '../offline-training/graph/builder.ts';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildUseLite, resolveUseLiteWeights, type BuiltUseLite } from '../offline-training/graph/use-lite/index.ts';
import { DEFAULT_DETECTOR } from '../offline-training/graph/default-detector.ts';
import { interleaved, median, p90 } from './lib/stats.ts';
import { printTable } from './lib/table.ts';

type AnySession = { run(feeds: Record<string, unknown>): Promise<unknown> };

const LENGTHS = [16, 64, 128, 256];

function ids(T: number, vocab: number, seed: number): BigInt64Array {
  let s = seed;
  return BigInt64Array.from({ length: T }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return BigInt(10 + (s % (vocab - 10)));
  });
}

/** Best GFLOP/s of one large fp32 MatMul on onnxruntime-node: the machine's practical peak. */
export async function matmulPeak(rounds: number): Promise<{ size: number; gflops: number }[]> {
  const rows: { size: number; gflops: number }[] = [];
  for (const n of [512, 1024, 2048]) {
    const gb = new GraphBuilder('peak');
    const a = gb.input('a', 'float32', [n, n]);
    gb.output(gb.matmul(a, gb.init('b', new Float32Array(n * n).fill(0.001), [n, n])), 'c');
    const s = await ortNode.InferenceSession.create(gb.toBytes());
    const feed = { a: new ortNode.Tensor('float32', new Float32Array(n * n).fill(0.5), [n, n]) };
    const t = await interleaved({ mm: () => s.run(feed) }, Math.max(3, Math.round(rounds * (512 / n) ** 2)), 2);
    rows.push({ size: n, gflops: (2 * n ** 3) / (median(t.mm) / 1000) / 1e9 });
    await s.release();
  }
  return rows;
}

export async function benchDetector(rounds: number): Promise<void> {
  const weightsDir = resolveUseLiteWeights(DEFAULT_DETECTOR.weights);
  // int8 in the three ONNX forms the builder writes (see offline-training/graph/quantize.ts):
  // U8S8 integer arithmetic with 7-bit weights (the default), U8U8 with 8-bit weights, and
  // weight-only (DequantizeLinear + fp32 MatMul).
  const layer = DEFAULT_DETECTOR.layer;
  const builds = {
    fp32: await buildUseLite({ weightsDir, layer, int8: false }),
    int8: await buildUseLite({ weightsDir, layer, int8: true }),
    // The form before the fix: 8-bit weights saturate U8S8 kernels on AVX2 CPUs without VNNI.
    'int8-w8 (before)': await buildUseLite({ weightsDir, layer, int8: true, weightBits: 8 }),
    'int8-u8u8': await buildUseLite({ weightsDir, layer, int8: true, int8Form: 'integer-u8' }),
    'int8-deq': await buildUseLite({ weightsDir, layer, int8: true, int8Form: 'dequantize' }),
  };
  const vocab = builds.fp32.info.vocabSize;
  ortWeb.env.wasm.numThreads = 1; // Workers run one thread
  const sessions: Record<string, { s: AnySession; web: boolean }> = {};
  for (const [q, b] of Object.entries(builds)) {
    sessions[`node ${q}`] = { s: await ortNode.InferenceSession.create(b.model), web: false };
    sessions[`web ${q}`] = {
      s: await ortWeb.InferenceSession.create(b.model, { executionProviders: ['wasm'] }),
      web: true,
    };
  }
  const peak = await matmulPeak(rounds);
  const peakBest = Math.max(...peak.map((p) => p.gflops));
  printTable(
    'onnxruntime-node fp32 MatMul throughput (n x n by n x n)',
    ['n', 'GFLOP/s'],
    peak.map((p) => [p.size, p.gflops]),
  );

  // The reference MatMul also runs inside the T=128 rounds, so the fraction compares medians taken
  // side by side under the same load.
  const peakN = 1024;
  const gbPeak = new GraphBuilder('peak');
  gbPeak.output(
    gbPeak.matmul(
      gbPeak.input('a', 'float32', [peakN, peakN]),
      gbPeak.init('b', new Float32Array(peakN * peakN).fill(0.001), [peakN, peakN]),
    ),
    'c',
  );
  const peakSession = await ortNode.InferenceSession.create(gbPeak.toBytes());
  const peakFeed = { a: new ortNode.Tensor('float32', new Float32Array(peakN * peakN).fill(0.5), [peakN, peakN]) };
  let peakSideBySide = NaN;

  const products = readMatmulShapes(builds.fp32.model);
  const rows: (string | number)[][] = [];
  const summary: Record<number, Record<string, number>> = {};
  for (const T of LENGTHS) {
    const x = ids(T, vocab, T);
    const cases: Record<string, () => Promise<unknown>> = {};
    for (const [name, { s, web }] of Object.entries(sessions)) {
      const ort = web ? ortWeb : ortNode;
      const feed = { input_ids: new ort.Tensor('int64', x, [1, T]) };
      cases[name] = () => s.run(feed);
    }
    if (T === 128) cases['matmul 1024 (reference)'] = () => peakSession.run(peakFeed);
    const times = await interleaved(cases, T >= 128 ? Math.ceil(rounds / 2) : rounds);
    if (T === 128) {
      peakSideBySide = (2 * peakN ** 3) / (median(times['matmul 1024 (reference)']) / 1000) / 1e9;
      delete times['matmul 1024 (reference)'];
    }
    const flops = matmulFlops(products, { T });
    summary[T] = {};
    for (const [name, t] of Object.entries(times)) {
      summary[T][name] = median(t);
      rows.push([T, name, median(t), p90(t), flops / (median(t) / 1000) / 1e9]);
    }
  }
  printTable(
    `detector forward: ${builds.fp32.info.arch} layer ${DEFAULT_DETECTOR.layer}/${builds.fp32.info.numLayers}, d=${builds.fp32.info.hiddenSize} (ms; GFLOP/s counts MatMul FLOPs)`,
    ['T', 'runtime', 'median ms', 'p90 ms', 'GFLOP/s'],
    rows,
  );
  await printAccuracy(builds);
  const at = summary[128];
  const flops128 = matmulFlops(products, { T: 128 });
  printTable(
    'targets at T=128',
    ['measure', 'value', 'target'],
    [
      ['WASM fp32 / int8 median (int8 speed-up)', at['web fp32'] / at['web int8'], '>= 1.5'],
      ['WASM fp32 / int8-w8 (before) median', at['web fp32'] / at['web int8-w8 (before)'], '-'],
      ['WASM fp32 / int8-u8u8 median', at['web fp32'] / at['web int8-u8u8'], '-'],
      ['WASM fp32 / int8-deq median (weight-only form)', at['web fp32'] / at['web int8-deq'], '-'],
      ['node fp32 / int8 median', at['node fp32'] / at['node int8'], '-'],
      ['node fp32 / int8-w8 (before) median', at['node fp32'] / at['node int8-w8 (before)'], '-'],
      ['node fp32 / int8-u8u8 median', at['node fp32'] / at['node int8-u8u8'], '-'],
      ['node fp32 / int8-deq median', at['node fp32'] / at['node int8-deq'], '-'],
      ['MatMul 1024 GFLOP/s, same rounds', peakSideBySide, '-'],
      [
        'node fp32 GFLOP/s / MatMul (same rounds)',
        flops128 / (at['node fp32'] / 1000) / 1e9 / peakSideBySide,
        '>= 0.5',
      ],
      ['node fp32 GFLOP/s / best MatMul above', flops128 / (at['node fp32'] / 1000) / 1e9 / peakBest, '-'],
      ['node int8 GOP/s / fp32 MatMul (same rounds)', flops128 / (at['node int8'] / 1000) / 1e9 / peakSideBySide, '-'],
    ],
  );
}

/** Real text for the accuracy table: GSM8K and VUA from ../shared where present, else a few sentences. */
function accuracyTexts(): string[] {
  const gsm = '../shared/data/gsm8k/train.jsonl';
  const vua = '../shared/data/metaphor/VUA_test.csv';
  if (!existsSync(gsm) || !existsSync(vua))
    return [
      'Jason has three times as many toys as Mandy. Mandy has 4 toys. How many toys does Jason have?',
      'A store offers a 20% discount on a $50 jacket. What is the price after the discount?',
      'The committee will weigh the proposal carefully before it votes next week.',
    ];
  const questions = readFileSync(gsm, 'utf8')
    .trim()
    .split('\n')
    .slice(0, 100)
    .map((l) => (JSON.parse(l) as { question: string }).question);
  const sentences = (parse(readFileSync(vua), { columns: true }) as { sentence: string }[])
    .slice(0, 100)
    .map((r) => r.sentence);
  return [...questions, ...sentences];
}

/** Per-token cosine of each form's resid against fp32 on onnxruntime-node, on real text. */
async function printAccuracy(builds: Record<string, BuiltUseLite>): Promise<void> {
  const tok = new Tokenizer(builds.fp32.tokenizerJson, builds.fp32.tokenizerConfig);
  const texts = accuracyTexts().map((t) => tok.encode(t).ids.slice(0, DEFAULT_DETECTOR.maxTokens));
  const run = async (model: Uint8Array, web: boolean): Promise<Float32Array[]> => {
    const ort = web ? ortWeb : ortNode;
    const s = await (web
      ? ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'] })
      : ortNode.InferenceSession.create(model));
    const out: Float32Array[] = [];
    for (const ids of texts) {
      const r = await s.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      });
      out.push(r.resid.data as Float32Array);
    }
    return out;
  };
  const ref = await run(builds.fp32.model, false);
  const d = builds.fp32.info.hiddenSize;
  const rows: (string | number)[][] = [];
  for (const [name, b] of Object.entries(builds)) {
    for (const web of [false, true]) {
      const got = await run(b.model, web);
      let min = 1;
      let sum = 0;
      let n = 0;
      got.forEach((g, i) => {
        for (let t = 0; t < g.length / d; t++) {
          let ab = 0;
          let aa = 0;
          let bb = 0;
          for (let j = 0; j < d; j++) {
            const [x, y] = [g[t * d + j], ref[i][t * d + j]];
            ab += x * y;
            aa += x * x;
            bb += y * y;
          }
          const c = ab / Math.sqrt(aa * bb);
          min = Math.min(min, c);
          sum += c;
          n++;
        }
      });
      rows.push([
        `${web ? 'web' : 'node'} ${name}`,
        (sum / n).toFixed(5),
        min.toFixed(5),
        (b.model.length / 1e6).toFixed(1),
      ]);
    }
  }
  printTable(
    `resid accuracy vs fp32 (onnxruntime-node) over ${texts.length} real texts, per token`,
    ['runtime', 'mean cosine', 'min cosine', 'MB'],
    rows,
  );
}
