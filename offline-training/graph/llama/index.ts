// Llama-architecture causal LMs from GGUF files (llama.cpp's format): ONNX graph and tokenizer.
import type { BuiltDetector } from '../architecture.ts';
import { UsageError } from '../../util/errors.ts';
import { GgufError, GgufFile } from './gguf.ts';
import { buildLlamaGraph, type LlamaHparams } from './graph.ts';
import { tokenizerFromGguf } from './tokenizer.ts';

export { GgufError, GgufFile } from './gguf.ts';
export { buildLlamaGraph, readHparams, type LlamaHparams } from './graph.ts';
export { tokenizerFromGguf } from './tokenizer.ts';

/** What buildLlama takes: the GGUF path, the cut layer, int8. */
export interface BuildLlamaOptions {
  /** Path to a .gguf file. */
  weights: string;
  /** Build a truncated graph whose only output is `resid` after this many blocks (0 = embeddings). */
  layer?: number;
  int8?: boolean;
  /** Extra outputs `resid_<L>` (hidden state after L blocks). */
  extraResidOutputs?: number[];
  /** Build the model's tail from this layer on, reading `resid_in` (see LlamaGraphOptions). */
  fromLayer?: number;
}

/** A built Llama-family detector, with its tokenizer_config.json, hyper-parameters and BOS/EOS ids. */
export interface BuiltLlama extends BuiltDetector {
  info: BuiltDetector['info'] & { arch: 'llama' };
  /** tokenizer_config.json contents for `new Tokenizer(tokenizerJson, tokenizerConfig)`. */
  tokenizerConfig: Record<string, unknown>;
  hparams: LlamaHparams;
  bosId?: number;
  eosId?: number;
}

/**
 * Builds a Llama-family detector (llama, qwen2) from a GGUF file: the ONNX graph cut after `layer` blocks (int8
 * MatMuls with `int8`) and a tokenizer.json from the GGUF metadata. Throws UsageError for a missing file,
 * GgufError for a malformed or unsupported one.
 */
export async function buildLlama(opts: BuildLlamaOptions): Promise<BuiltLlama> {
  let g: GgufFile;
  try {
    g = GgufFile.open(opts.weights);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UsageError(`weights ${opts.weights}: no such file`);
    if (err.code === 'EISDIR') throw new UsageError(`weights ${opts.weights}: is a directory, expected a .gguf file`);
    throw e;
  }
  try {
    if (opts.layer !== undefined) {
      const n = g.getNumber(`${g.getString('general.architecture')}.block_count`);
      if (!Number.isInteger(opts.layer) || opts.layer < 0 || opts.layer > n) {
        throw new UsageError(`layer ${opts.layer} out of range: model has ${n} layers (0..${n})`);
      }
    }
    const built = buildLlamaGraph(g, opts); // layer, int8, extraResidOutputs, fromLayer
    const tok = tokenizerFromGguf(g);
    const hp = built.hparams;
    return {
      model: built.model,
      tokenizerJson: tok.tokenizerJson,
      tokenizerConfig: tok.tokenizerConfig,
      info: {
        arch: 'llama',
        layer: opts.layer ?? hp.numLayers,
        numLayers: hp.numLayers,
        hiddenSize: hp.hiddenSize,
        vocabSize: hp.vocabSize,
        outputs: built.outputs,
      },
      hparams: hp,
      bosId: tok.bosId,
      eosId: tok.eosId,
    };
  } catch (e) {
    if (e instanceof GgufError && /out of range/.test(e.message)) throw new UsageError(e.message);
    throw e;
  } finally {
    g.close();
  }
}
