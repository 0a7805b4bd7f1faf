// The SAE engines side by side on one cache in one run: tokens per second of training and
// held-out FVU after the same tokens, for ort (encoder on onnxruntime-node), ts (all TypeScript)
// and torch (PyTorch on sparsify's SparseCoder; 1 rank, and 2 gloo ranks on CPU), each through
// the trainer as `gloss-train sae --engine E` runs it (same split, normalisation and evaluation).
// The cache is sparse superpositions of 4096 unit directions at d=384; SAE m=4096, k=32, batch 1024.
//
// Run alone: npx tsx bench/sae-engines.ts [steps]   (needs `gloss-train setup-torch` for torch)
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainSaeOnEngine } from '../offline-training/torch/train-sae.ts';
import { findTorchPython } from '../offline-training/torch/venv.ts';
import { superpositions } from './lib/superpositions.ts';
import { printTable } from './lib/table.ts';

const d = 384;
const rows = 24_576;

/** A float32 activation cache of `rows` superposition rows in shards of 8192 (the format extract writes). */
async function makeCache(dir: string): Promise<void> {
  const src = superpositions(d, 12345);
  await mkdir(dir, { recursive: true });
  const shards: { file: string; rows: number }[] = [];
  for (let start = 0; start < rows; start += 8192) {
    const file = `shard-${String(shards.length).padStart(5, '0')}.bin`;
    await writeFile(join(dir, file), new Uint8Array(src.rows(8192).buffer));
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

/** Trains each engine for `steps` steps of 1024 tokens on one cache; prints tokens/s and held-out FVU. */
export async function benchSaeEngines(steps = 40): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gloss-bench-engines-'));
  const cache = join(dir, 'cache');
  await makeCache(cache);
  const cores = cpus().length;
  const settings = { width: 4096, k: 32, batch: 1024, steps, seed: 1, pca: false, calibrationRows: 0 };
  const runs: { label: string; engine: 'ort' | 'ts' | 'torch'; nproc?: number }[] = [
    { label: 'ort', engine: 'ort' },
    { label: 'ts', engine: 'ts' },
  ];
  const torch = findTorchPython();
  if (torch.ok)
    runs.push({ label: 'torch', engine: 'torch' }, { label: 'torch, 2 ranks (gloo)', engine: 'torch', nproc: 2 });
  else console.log(`bench sae-engines: torch skipped: ${torch.reason}`);
  const table: (string | number)[][] = [];
  for (const run of runs) {
    const nproc = run.nproc ?? 1;
    // torch: the cores split between ranks; ts/ort: the trainer's own default.
    const threads = run.engine === 'torch' ? Math.max(1, Math.floor(cores / nproc)) : undefined;
    const r = await trainSaeOnEngine({
      cache,
      ...settings,
      engine: run.engine,
      nproc: run.nproc,
      threads,
      log: () => {},
    });
    const t = r.metrics!.training;
    table.push([
      run.label,
      `${nproc} x ${t.threads}`,
      Math.round(t.tokens_per_second),
      r.metrics!.held_out.fvu.toFixed(4),
    ]);
  }
  printTable(
    `SAE engines: d=${d}, m=4096, k=32, batch 1024, ${steps} steps (${steps * 1024} tokens), ${cores} cores, cpu`,
    ['engine', 'ranks x threads', 'tokens/s', `held-out FVU after ${steps * 1024} tokens`],
    table,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSaeEngines(Number(process.argv[2] ?? 40));
