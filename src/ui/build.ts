// Builds the explorer's browser assets into src/ui/dist (gitignored): app.js and its chunks (the
// client bundled by esbuild: src/core, the browser backend, onnxruntime-web's ESM bundles, the
// tokenizer), index.html and style.css. onnxruntime-web's .wasm files are not copied: the Node
// asset reader serves them from node_modules (see node-assets.ts).
//
// Run by `npm run build:ui`, and on demand by the Node asset reader when dist is missing or older
// than its inputs, so nobody has to remember a build step. Node only (fs, esbuild).
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_DIR = dirname(fileURLToPath(import.meta.url));
export const UI_DIST = join(UI_DIR, 'dist');
const ROOT = resolve(UI_DIR, '../..');
const STATIC_DIR = join(UI_DIR, 'static');
const ENTRY = join(UI_DIR, 'client/main.ts');
const STAMP = 'build.json';
const TMP_PREFIX = '.tmp-';

export interface UiBuild {
  out: string;
  files: string[];
  bytes: number;
  ms: number;
}

interface Stamp {
  builtAt: number;
  /** Files (relative to the project root) the build read, for the staleness check. */
  inputs: string[];
}

/** Builds into a temporary folder, then swaps it in, so a half-written dist is never served. */
export async function buildUi(opts: { out?: string; minify?: boolean } = {}): Promise<UiBuild> {
  const t0 = performance.now();
  const out = opts.out ?? UI_DIST;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(
      'cannot build the explorer: esbuild is not installed (npm install --include=dev), or build it elsewhere with `npm run build:ui`',
    );
  }
  // Inside out (gitignored, same file system for the renames), skipped by the clean-up below.
  const tmp = join(out, `${TMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  try {
    const result = await esbuild.build({
      entryPoints: { app: ENTRY },
      outdir: tmp,
      bundle: true,
      format: 'esm',
      splitting: true, // onnxruntime-web's WebGPU and WASM builds load only when chosen
      platform: 'browser',
      target: ['es2022', 'chrome113', 'firefox121', 'safari17'],
      minify: opts.minify ?? true,
      sourcemap: 'linked',
      chunkNames: 'chunk-[hash]',
      legalComments: 'linked',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: ROOT,
    });
    for (const f of await readdir(STATIC_DIR)) await copyFile(join(STATIC_DIR, f), join(tmp, f));
    const inputs = [
      ...Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/')),
      ...(await readdir(STATIC_DIR)).map((f) => relative(ROOT, join(STATIC_DIR, f))),
    ];
    const stamp: Stamp = { builtAt: Date.now(), inputs };
    await writeFile(join(tmp, STAMP), JSON.stringify(stamp, null, 1));
    const files = await readdir(tmp);
    let bytes = 0;
    for (const f of files) bytes += (await stat(join(tmp, f))).size;
    await swapIn(tmp, out);
    return { out, files, bytes, ms: performance.now() - t0 };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Moves the new files into `out` one by one (each rename replaces atomically), the stamp last, then
 * drops files the new build no longer has. A page being served meanwhile never sees a missing
 * app.js, and two processes building at once (esbuild's output is deterministic) write the same.
 */
async function swapIn(tmp: string, out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  const files = await readdir(tmp);
  for (const f of files.filter((f) => f !== STAMP)) await rename(join(tmp, f), join(out, f));
  await rename(join(tmp, STAMP), join(out, STAMP));
  const keep = new Set(files);
  for (const f of await readdir(out))
    if (!keep.has(f) && !f.startsWith(TMP_PREFIX)) await rm(join(out, f), { recursive: true, force: true });
}

export type UiBuildState = 'missing' | 'stale' | 'fresh';

/** 'stale' when an input file (client code, src/core, static files) changed after the build. */
export async function uiBuildState(out = UI_DIST): Promise<UiBuildState> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(join(out, STAMP), 'utf8')) as Stamp;
    await stat(join(out, 'app.js'));
  } catch {
    return 'missing';
  }
  // The installed package ships the built page without its sources: nothing to compare against.
  if (!(await stat(ENTRY).catch(() => undefined))) return 'fresh';
  // New files in the static folder count too.
  const inputs = new Set([
    ...stamp.inputs,
    ...(await readdir(STATIC_DIR)).map((f) => relative(ROOT, join(STATIC_DIR, f))),
  ]);
  for (const p of inputs) {
    const s = await stat(join(ROOT, p)).catch(() => undefined);
    if (!s || s.mtimeMs > stamp.builtAt) return 'stale';
  }
  return 'fresh';
}

let ensuring: Promise<UiBuildState> | undefined;

/**
 * Builds the assets when they are missing or stale (once per process; concurrent callers share
 * the build). Returns the state found. A stale build that cannot be rebuilt (no esbuild) is kept.
 */
export function ensureUiBuilt(out = UI_DIST): Promise<UiBuildState> {
  ensuring ??= (async () => {
    const s = await uiBuildState(out);
    if (s === 'fresh') return s;
    try {
      await buildUi({ out });
    } catch (e) {
      if (s === 'stale') return s;
      throw e;
    }
    return s;
  })();
  ensuring.catch(() => (ensuring = undefined));
  return ensuring;
}
