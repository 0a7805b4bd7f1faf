// Builds the Gloss Worker from its real entry (src/runtime/worker/index.ts) with a chosen bundle
// packed in, the way wrangler does it: `npm run pack:worker` writes the bundle as Data modules plus
// files.mjs, esbuild bundles the entry with `gloss-bundle-files` pointing there, and onnxruntime's
// wasm stays a separate CompiledWasm module. Used by the workers tests' global-setup and the bench.
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { packWorker } from '../../src/runtime/node/pack-worker.ts';
import { appWorkerModules } from './app-cases.ts';

/** esbuild settings for code that runs in workerd (ESM, the `workerd` export conditions). */
export const WORKERD_BUILD = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  conditions: ['workerd', 'worker', 'browser', 'import'],
  logLevel: 'warning',
} as const satisfies BuildOptions;

export interface BuiltWorker {
  /** Folder holding every module; the entry is `app-worker.mjs`. */
  dir: string;
  entry: string;
  /** The bundle's files, as packed. */
  files: string[];
  /** Modules as miniflare lists them (paths absolute). */
  modules: { type: 'ESModule' | 'CompiledWasm' | 'Data'; path: string }[];
  /** Size of the Worker's JavaScript (the bundle files and the wasm come on top). */
  scriptBytes: number;
}

export async function buildAppWorker(bundleDir: string, outDir: string): Promise<BuiltWorker> {
  const dir = resolve(outDir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const packed = await packWorker({ bundle: bundleDir, out: join(dir, 'gloss-bundle') });
  const wasm = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
  await copyFile(wasm, join(dir, 'ort-wasm-simd-threaded.wasm'));
  const entry = join(dir, 'app-worker.mjs');
  await build({
    ...WORKERD_BUILD,
    entryPoints: [resolve('src/runtime/worker/index.ts')],
    outfile: entry,
    plugins: [
      {
        name: 'worker-modules',
        setup(b) {
          b.onResolve({ filter: /^gloss-bundle-files$/ }, () => ({ path: './gloss-bundle/files.mjs', external: true }));
          b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './ort-wasm-simd-threaded.wasm', external: true }));
          // The Worker must never pull in the native runtime.
          b.onResolve({ filter: /^onnxruntime-node/ }, (a) => ({
            errors: [{ text: `onnxruntime-node imported from ${a.importer}` }],
          }));
        },
      },
    ],
  });
  return {
    dir,
    entry,
    files: packed.files,
    modules: appWorkerModules(dir, packed.files),
    scriptBytes: (await readFile(entry)).byteLength,
  };
}
