// TopK SAE training throughput at d=512, m=8192, k=32, batch 1024: our step (encoder Gemm + TopK
// in onnxruntime-node, sparse decode/backward and Adam in TypeScript) against the same step done
// entirely in TypeScript, and the GEMM rate the encoder graph reaches as a fraction of
// onnxruntime-node's MatMul peak (one large MatMul measured in the same run).
//
// Run alone: npx tsx bench/sae.ts [rounds]
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../offline-training/graph/builder.ts';
import { SaeCore, type CoreConfig } from '../offline-training/sae/core.ts';
import { sessionOptions } from '../offline-training/sae/encoder.ts';
import { centre } from '../offline-training/sae/kernels.ts';
import { interleaved, median } from './lib/stats.ts';
import { superpositions } from './lib/superpositions.ts';
import { printTable } from './lib/table.ts';

const d = 512;
const m = 8192;
const k = 32;
const B = 1024;

/** Batches of sparse superpositions of 4096 random unit directions (32 per row) plus noise. */
function makeBatches(count: number, seed: number): Float32Array[] {
  const src = superpositions(d, seed);
  return Array.from({ length: count }, () => src.rows(B));
}

function coreConfig(deadTokens: number): CoreConfig {
  return {
    d,
    m,
    k,
    kAux: 256,
    auxCoef: 1 / 32,
    deadTokens,
    seed: 1,
    adam: { lr: 2.8e-4, beta1: 0.9, beta2: 0.999, eps: 6.25e-10 },
  };
}

/** One fp32 MatMul with a constant (prepacked) weight: onnxruntime-node's practical GEMM peak. */
async function peakSession(
  M: number,
  K: number,
  N: number,
): Promise<{ run: () => Promise<unknown>; flops: number; release: () => Promise<void> }> {
  const gb = new GraphBuilder('peak');
  const a = gb.input('a', 'float32', [M, K]);
  gb.output(
    gb.matmul(
      a,
      gb.init(
        'b',
        new Float32Array(K * N).map((_, i) => ((i * 7919) % 1000) / 1e5),
        [K, N],
      ),
    ),
    'c',
  );
  const s = await ort.InferenceSession.create(gb.toBytes(), sessionOptions('cpu'));
  const feed = {
    a: new ort.Tensor(
      'float32',
      new Float32Array(M * K).map((_, i) => ((i * 104729) % 1000) / 1e3),
      [M, K],
    ),
  };
  return { run: () => s.run(feed), flops: 2 * M * K * N, release: () => s.release() };
}

/** The dense alternative for the encoder gradient: dW_enc^T = dPre^T [m, B] @ xc [B, d] on onnxruntime. */
async function denseGradSession(): Promise<{ run: () => Promise<unknown>; release: () => Promise<void> }> {
  const gb = new GraphBuilder('dense_grad');
  const g = gb.input('dpre', 'float32', [B, m]);
  const x = gb.input('xc', 'float32', [B, d]);
  const [out] = gb.op('Gemm', [g, x], { transA: 1 }, [{ dtype: 'float32', shape: [m, d] }]);
  gb.output(out, 'grad');
  const s = await ort.InferenceSession.create(gb.toBytes(), sessionOptions('cpu'));
  const dpre = new Float32Array(B * m);
  for (let t = 0; t < B * k; t++) dpre[(t % B) * m + (((t * 2654435761) >>> 0) % m)] = 0.01; // k per row
  const feed = {
    dpre: new ort.Tensor('float32', dpre, [B, m]),
    xc: new ort.Tensor('float32', new Float32Array(B * d).fill(0.5), [B, d]),
  };
  return { run: () => s.run(feed), release: () => s.release() };
}

export async function benchSae(rounds: number): Promise<void> {
  const batches = makeBatches(4, 42);
  const lr = 2.8e-4;
  const ortCore = await SaeCore.create(coreConfig(10_000_000), { engine: 'ort' });
  const auxCore = await SaeCore.create(coreConfig(10_000_000), { engine: 'ort' });
  const tsCore = await SaeCore.create(coreConfig(10_000_000), { engine: 'ts' });
  // AuxK case: every latent starts dead (tokens since firing above the threshold), so each step
  // runs the second TopK and the AuxK backward over k_aux = 256 dead latents per token.
  auxCore.sinceFired.fill(1e12);
  let i = 0;
  let j = 0;
  const ortStats: { enc: number; rest: number; A: number; B: number }[] = [];
  const auxStats: { enc: number; rest: number }[] = [];

  // Encoder graph alone, on the weights the ort step is training.
  const xc = new Float32Array(B * d);
  centre(batches[0], ortCore.params.bd, B, d, xc);
  const peakSq = await peakSession(2048, 2048, 2048);
  const peakEnc = await peakSession(B, d, m);
  const dense = await denseGradSession();

  const fast = await interleaved(
    {
      'ort step': async () => {
        const s = await ortCore.step(batches[i++ % batches.length], B, lr);
        ortStats.push({
          enc: s.encoderMs,
          rest: s.restMs,
          A: ortCore.phaseMs[0] + ortCore.phaseMs[1],
          B: ortCore.phaseMs[2],
        });
      },
      'ort step + AuxK': async () => {
        auxCore.sinceFired.fill(1e12);
        const s = await auxCore.step(batches[j++ % batches.length], B, lr);
        auxStats.push({ enc: s.encoderMs, rest: s.restMs });
      },
      'encoder graph (Gemm+TopK)': () => ortCore.encoder.topk(xc, B, ortCore.params.We, ortCore.params.be),
      'MatMul 2048^3': peakSq.run,
      'MatMul 1024x512x8192 (const B)': peakEnc.run,
      'dense dW_enc (Gemm transA)': dense.run,
    },
    rounds,
    3,
  );
  // The plain-TypeScript step takes seconds: fewer rounds, timed on its own.
  let t = 0;
  const slow = await interleaved(
    { 'plain TS step': () => tsCore.step(batches[t++ % batches.length], B, lr) },
    Math.max(2, Math.ceil(rounds / 10)),
    1,
  );

  const tokS = (ms: number) => B / (ms / 1000);
  const gflops = (flops: number, ms: number) => flops / (ms / 1000) / 1e9;
  const encFlops = 2 * B * d * m;
  const med = (name: string) => median(fast[name]);
  const peak = Math.max(
    gflops(peakSq.flops, med('MatMul 2048^3')),
    gflops(peakEnc.flops, med('MatMul 1024x512x8192 (const B)')),
  );
  const encGflops = gflops(encFlops, med('encoder graph (Gemm+TopK)'));

  printTable(
    `SAE training step, d=${d}, m=${m}, k=${k}, batch ${B} (median of ${rounds} rounds; plain TS ${slow['plain TS step'].length})`,
    ['step', 'median ms', 'tokens/s', 'encoder ms', 'TypeScript ms'],
    [
      [
        'onnxruntime encoder + TS backward/Adam',
        med('ort step'),
        tokS(med('ort step')),
        median(ortStats.map((s) => s.enc)),
        median(ortStats.map((s) => s.rest)),
      ],
      [
        '  same, AuxK over 256 dead latents',
        med('ort step + AuxK'),
        tokS(med('ort step + AuxK')),
        median(auxStats.map((s) => s.enc)),
        median(auxStats.map((s) => s.rest)),
      ],
      [
        'plain TypeScript (encoder GEMM + TopK in TS)',
        median(slow['plain TS step']),
        tokS(median(slow['plain TS step'])),
        '-',
        '-',
      ],
    ],
  );
  printTable(
    'TypeScript part of the ort step',
    ['phase', 'median ms'],
    [
      ['A: sparse decode, residual, gradients per token (+ bucketing)', median(ortStats.map((s) => s.A))],
      ['B: per-latent gradient rows + projection + Adam + renorm', median(ortStats.map((s) => s.B))],
      ['(alternative) dense dW_enc = dPre^T xc on onnxruntime, that product alone', med('dense dW_enc (Gemm transA)')],
    ],
  );
  printTable(
    'encoder GEMM vs onnxruntime-node MatMul peak (fp32)',
    ['measure', 'median ms', 'GFLOP/s'],
    [
      ['MatMul 2048 x 2048 x 2048', med('MatMul 2048^3'), gflops(peakSq.flops, med('MatMul 2048^3'))],
      [
        `MatMul ${B} x ${d} x ${m}, constant weight`,
        med('MatMul 1024x512x8192 (const B)'),
        gflops(peakEnc.flops, med('MatMul 1024x512x8192 (const B)')),
      ],
      ['encoder graph: Gemm (weights as input) + TopK', med('encoder graph (Gemm+TopK)'), encGflops],
    ],
  );
  printTable(
    'targets',
    ['measure', 'value', 'target'],
    [
      ['encoder GEMM GFLOP/s / MatMul peak', encGflops / peak, '>= 0.6'],
      ['ort step / plain TS step throughput', median(slow['plain TS step']) / med('ort step'), '-'],
    ],
  );
  await Promise.all([
    ortCore.release(),
    auxCore.release(),
    tsCore.release(),
    peakSq.release(),
    peakEnc.release(),
    dense.release(),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchSae(Number(process.argv[2] ?? 10));
}
