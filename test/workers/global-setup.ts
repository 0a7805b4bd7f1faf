// Builds the graphs the workers test compares, computes onnxruntime-node's outputs for them, and
// bundles the detector worker (onnxruntime-web + the graphs as Data modules) for miniflare.
// Then builds the Gloss Worker from its real entry with the known-answer bundle packed in, and
// computes the Node app's answers to the requests in app-cases.ts (provided as `appAnswers`).
import { mkdir, writeFile, copyFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import * as ort from 'onnxruntime-node';
import type { TestProject } from 'vitest/node';
import { existsSync, readFileSync } from 'node:fs';
import { featureColumns, parseFeatures, parseRules, type Rule } from '../../src/core/rules/schema.ts';
import { parityGraphs } from '../helpers/parity-graphs.ts';
import { writeKnownBundle } from '../helpers/known-bundle.ts';
import { createApp } from '../../src/core/app.ts';
import { loadEngine } from '../../src/runtime/node/server.ts';
import { buildAppWorker } from './app-build.ts';
import { APP_CASES, KNOWN_BUNDLE_FILES, answer, request, type AppAnswer } from './app-cases.ts';

const OUT = resolve('test/workers/.build');

declare module 'vitest' {
  export interface ProvidedContext {
    appAnswers: AppAnswer[];
    /** models/default's rules and feature columns, where it is built (for the real-prompt parity). */
    defaultRules: { rules: Rule[]; columns: [number, number][] } | null;
  }
}

async function setupApp(project: TestProject): Promise<void> {
  const bundle = join(OUT, 'known-bundle');
  await writeKnownBundle(bundle);
  const built = await buildAppWorker(bundle, join(OUT, 'app'));
  if (built.files.join() !== KNOWN_BUNDLE_FILES.join()) {
    throw new Error(
      `known bundle files changed (${built.files.join(', ')}): update KNOWN_BUNDLE_FILES in test/workers/app-cases.ts`,
    );
  }
  const engine = await loadEngine(bundle);
  const app = createApp({ engine: async () => engine });
  const answers: AppAnswer[] = [];
  for (const c of APP_CASES) answers.push(await answer(c, await app.fetch(request(c))));
  await engine.detector.release();
  project.provide('appAnswers', answers);
}

export default async function setup(project: TestProject): Promise<void> {
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
    // Real prompts: onnxruntime-node's `features` for each, to compare with workerd's.
    const prompts = [];
    for (const p of g.prompts ?? []) {
      const r = await session.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(p.inputIds.map(BigInt)), [1, p.inputIds.length]),
      });
      prompts.push({ ...p, features: Array.from(r.features.data as Float32Array) });
    }
    expected.push({
      graph: g.name,
      inputIds: g.inputIds,
      outputs,
      tolerance: g.tolerance,
      jumpThresholds: g.jumpThresholds,
      prompts,
    });
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
  // The fake LLM upstream the Gloss Worker's proxy talks to (its outboundService).
  await build({
    entryPoints: ['test/workers/proxy-upstream-worker.ts'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile: join(OUT, 'proxy-upstream-worker.mjs'),
    logLevel: 'warning',
  });
  await setupApp(project);
  const dflt = 'models/default';
  project.provide(
    'defaultRules',
    existsSync(`${dflt}/rules.json`)
      ? {
          rules: parseRules(JSON.parse(readFileSync(`${dflt}/rules.json`, 'utf8'))).rules,
          columns: [...featureColumns(parseFeatures(JSON.parse(readFileSync(`${dflt}/features.json`, 'utf8'))))],
        }
      : null,
  );
}
