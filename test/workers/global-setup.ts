// Builds the graphs the workers test compares, computes onnxruntime-node's outputs for them, and
// bundles the detector worker (onnxruntime-web + the graphs as Data modules) for miniflare.
import { mkdir, writeFile, copyFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import * as ort from 'onnxruntime-node';
import { parityGraphs } from '../helpers/parity-graphs.ts';

const OUT = resolve('test/workers/.build');

export default async function setup(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const graphs = await parityGraphs();
  const expected = [];
  // All graphs go into one Data module, so the module list in vitest.config.ts stays fixed.
  const index: Record<string, [number, number]> = {};
  let offset = 0;
  for (const g of graphs) {
    index[g.name] = [offset, g.bytes.byteLength];
    offset += g.bytes.byteLength;
  }
  const blob = new Uint8Array(offset);
  for (const g of graphs) {
    const session = await ort.InferenceSession.create(g.bytes);
    const ids = new ort.Tensor('int64', BigInt64Array.from(g.inputIds.map(BigInt)), [1, g.inputIds.length]);
    const out = await session.run({ input_ids: ids });
    const outputs: Record<string, { dims: readonly number[]; data: number[] }> = {};
    for (const [k, v] of Object.entries(out)) outputs[k] = { dims: v.dims, data: Array.from(v.data as Float32Array) };
    expected.push({ graph: g.name, inputIds: g.inputIds, outputs, tolerance: g.tolerance });
    blob.set(g.bytes, index[g.name][0]);
    await session.release();
  }
  await writeFile(join(OUT, 'graphs.bin'), blob);
  await writeFile(
    join(OUT, 'graphs.gen.mjs'),
    `import blob from './graphs.bin';\n` +
      `const index = ${JSON.stringify(index)};\n` +
      `export const graphs = Object.fromEntries(Object.entries(index).map(([k, [o, n]]) => [k, blob.slice(o, o + n)]));\n` +
      `export const expected = ${JSON.stringify(expected)};\n`,
  );
  const wasm = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
  await copyFile(wasm, join(OUT, 'ort-wasm-simd-threaded.wasm'));
  await build({
    entryPoints: ['test/workers/detector-worker.ts'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser', 'import'],
    outfile: join(OUT, 'detector-worker.mjs'),
    logLevel: 'warning',
    plugins: [
      {
        name: 'binary-modules-stay-external',
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './ort-wasm-simd-threaded.wasm', external: true }));
          b.onResolve({ filter: /\.bin$/ }, (a) => ({ path: a.path, external: true }));
        },
      },
    ],
  });
}
