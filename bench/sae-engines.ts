// The SAE engines side by side on one cache in one run: tokens per second of training and
// held-out FVU after the same tokens, for ort (encoder on onnxruntime-node), ts (all TypeScript)
// and torch (PyTorch on sparsify's SparseCoder; 1 rank, and 2 gloo ranks on CPU). The cache is
// sparse superpositions of 4096 unit directions at d=384; SAE m=4096, k=32, batch 1024.
//
// Run alone: npx tsx bench/sae-engines.ts [steps]   (needs `gloss-train setup-torch` for torch)
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCache } from '../offline-training/activations/cache-reader.ts';
import { trainSae } from '../offline-training/sae/index.ts';
import { evaluateSae } from '../offline-training/sae/metrics.ts';
import { foldNormalization } from '../offline-training/sae/input-normalisation.ts';
import { fitSaeTorch } from '../offline-training/torch/fit.ts';
import { findTorchPython } from '../offline-training/torch/venv.ts';
import { printTable } from './lib/table.ts';

const d = 384;
const rows = 24_576;

async function makeCache(dir: string): Promise<void> {
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const randn = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const atoms = 4096;
  const dict = new Float32Array(atoms * d);
  for (let a = 0; a < atoms; a++) {
    let n = 0;
    for (let i = 0; i < d; i++) n += (dict[a * d + i] = randn()) ** 2;
    for (let i = 0; i < d; i++) dict[a * d + i] /= Math.sqrt(n);
  }
  await mkdir(dir, { recursive: true });
  const shards: { file: string; rows: number }[] = [];
  for (let start = 0; start < rows; start += 8192) {
    const x = new Float32Array(8192 * d);
    for (let b = 0; b < 8192; b++) {
      for (let t = 0; t < 32; t++) {
        const a = Math.floor(rand() * atoms);
        const mag = rand() * 2;
        for (let i = 0; i < d; i++) x[b * d + i] += mag * dict[a * d + i];
      }
      for (let i = 0; i < d; i++) x[b * d + i] = x[b * d + i] * 0.5 + 0.05 * randn();
    }
    const file = `shard-${String(shards.length).padStart(5, '0')}.bin`;
    await writeFile(join(dir, file), new Uint8Array(x.buffer));
    shards.push({ file, rows: 8192 });
  }
  const index = {
    version: 1,
    d,
    dtype: 'float32',
    shards,
    rows,
    texts: rows,
    complete: true,
    source: { synthetic: true },
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

export async function benchSaeEngines(steps = 40): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gloss-bench-engines-'));
  const cache = join(dir, 'cache');
  await makeCache(cache);
  const settings = { width: 4096, k: 32, batch: 1024, steps, seed: 1, pca: false, calibrationRows: 0 };
  const table: (string | number)[][] = [];
  let ref: Awaited<ReturnType<typeof trainSae>> | undefined;
  for (const engine of ['ort', 'ts'] as const) {
    const r = await trainSae({ cache, ...settings, engine, log: () => {} });
    const m = r.metrics!;
    table.push([engine, m.training.threads, Math.round(m.training.tokens_per_second), m.held_out.fvu.toFixed(4)]);
    if (engine === 'ts') ref = r;
  }
  const env = findTorchPython();
  if (!env.ok) console.log(`bench sae-engines: torch skipped: ${env.reason}`);
  else if (ref) {
    const c = await openCache(cache);
    const sample = await c.sample(32768);
    const mean = new Float64Array(d);
    for (let r = 0; r < sample.length / d; r++) for (let i = 0; i < d; i++) mean[i] += sample[r * d + i];
    for (let i = 0; i < d; i++) mean[i] /= sample.length / d;
    const scale = ref.metrics!.training.normalization.scale;
    const held = await c.sample(32768, { heldOut: true });
    const { engine: _e, ...resolved } = ref.options;
    const cores = cpus().length;
    for (const nproc of [1, 2]) {
      const threads = Math.max(1, Math.floor(cores / nproc));
      const fit = await fitSaeTorch({ cache, heldOutFraction: 0.05, settings: resolved, mean, scale, nproc, threads });
      const ev = await evaluateSae(foldNormalization(fit.params, resolved.k, mean, scale, {}), held, { batch: 1024 });
      const label = nproc === 1 ? 'torch' : `torch, ${nproc} ranks (gloo)`;
      table.push([
        label,
        `${nproc} x ${threads}`,
        Math.round((fit.step * resolved.batch) / fit.seconds),
        ev.fvu.toFixed(4),
      ]);
    }
  }
  printTable(
    `SAE engines: d=${d}, m=4096, k=32, batch 1024, ${steps} steps (${steps * 1024} tokens), ${cpus().length} cores, cpu`,
    ['engine', 'threads', 'tokens/s', `held-out FVU after ${steps * 1024} tokens`],
    table,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSaeEngines(Number(process.argv[2] ?? 40));
