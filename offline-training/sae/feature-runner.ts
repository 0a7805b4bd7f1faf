// Runs the detector with a JumpReLU head of ALL the SAE's latents over texts: the activations the
// edge will compute, for every latent, so mining measures exactly what rules will later see.
import * as ort from 'onnxruntime-node';
import { appendSaeHead } from '../graph/sae-head.ts';
import { GlossTokenizer } from '../../src/core/tokenizer/tokenizer.ts';
import { readManifest, readVerified, readVerifiedJson } from '../../src/core/bundle/source.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import type { Manifest } from '../../src/core/bundle/manifest.ts';
import type { Sae } from './model.ts';
import { UsageError } from '../util/errors.ts';

/** A text's tokens with offsets and per-token feature activations [tokens, F]. */
export interface TextActivations {
  ids: number[];
  pieces: string[];
  offsets: [number, number][];
  /** Row-major [tokens, d_sae]. */
  acts: Float32Array;
}

/** Runs detector + SAE on texts; release() frees the sessions. */
export interface FeatureRunner {
  readonly manifest: Manifest;
  readonly tokenizer: GlossTokenizer;
  readonly width: number;
  run(text: string): Promise<TextActivations>;
  release(): Promise<void>;
}

/** The SAE as a JumpReLU head (thresholds required: calibrate a TopK SAE first). */
export function jumpReluHead(sae: Sae, features?: readonly number[]) {
  if (!sae.threshold)
    throw new UsageError(
      'the SAE has no JumpReLU thresholds: train it with gloss-train sae (which calibrates them) or load one with a threshold tensor',
    );
  const m = sae.d_sae;
  const d = sae.d_in;
  const cols = features ?? Array.from({ length: m }, (_, i) => i);
  const F = cols.length;
  const wEnc = new Float32Array(d * F);
  for (let i = 0; i < d; i++) for (let c = 0; c < F; c++) wEnc[i * F + c] = sae.W_enc[i * m + cols[c]];
  const bEnc = Float32Array.from(cols, (j) => sae.b_enc[j]);
  const threshold = Float32Array.from(cols, (j) => sae.threshold![j]);
  // bDec is subtracted before encoding only for SAEs trained that way (SAELens apply_b_dec_to_input).
  const bDec = sae.applyBDecToInput ? sae.b_dec : new Float32Array(d);
  return { dIn: d, wEnc, bEnc, bDec, threshold };
}

/** A detector folder opened on onnxruntime-node (openDetector): its manifest and one output per text. */
export interface OpenDetector {
  readonly manifest: Manifest;
  readonly tokenizer: GlossTokenizer;
  /**
   * Tokenizes `text` (cut at the detector's maxTokens, 256 where it names none: mining prompts fit one
   * window) and runs the graph; `data` is the output row-major [tokens, width], empty for an empty text.
   */
  run(
    text: string,
    output: string,
  ): Promise<{ ids: number[]; pieces: string[]; offsets: [number, number][]; data: Float32Array }>;
  release(): Promise<void>;
}

/**
 * Opens a detector folder (build-detector's output): manifest, tokenizer and a session over its graph,
 * after `transform` (for example an appended SAE head). Throws UsageError for an unreadable folder, and
 * whatever `transform` throws.
 */
export async function openDetector(
  detectorDir: string,
  transform: (model: Uint8Array, manifest: Manifest) => Uint8Array = (m) => m,
): Promise<OpenDetector> {
  const source = folderSource(detectorDir);
  const manifest = await readManifest(source).catch((e) => {
    throw new UsageError(`--detector ${detectorDir}: ${(e as Error).message}`);
  });
  const model = await readVerified(source, manifest, 'detector.onnx');
  const tokenizer = new GlossTokenizer(await readVerifiedJson<object>(source, manifest, 'tokenizer.json'));
  const session = await ort.InferenceSession.create(transform(model, manifest), { graphOptimizationLevel: 'all' });
  const maxTokens = manifest.detector.maxTokens ?? 256;
  return {
    manifest,
    tokenizer,
    async run(text, output) {
      const enc = tokenizer.encode(text);
      const ids = enc.ids.slice(0, maxTokens);
      const feed = {
        input_ids: new ort.Tensor(
          'int64',
          BigInt64Array.from(ids, (v) => BigInt(v)),
          [1, ids.length],
        ),
      };
      const out = ids.length ? await session.run(feed, [output]) : undefined;
      return {
        ids,
        pieces: enc.tokens.slice(0, ids.length),
        offsets: enc.offsets.slice(0, ids.length),
        data: out ? (out[output].data as Float32Array) : new Float32Array(0),
      };
    },
    release: () => session.release(),
  };
}

/**
 * Runs a detector folder with an SAE on texts and returns per-token feature activations. Throws UsageError when
 * the detector is unreadable or its width differs from the SAE's d_in.
 */
export async function createFeatureRunner(detectorDir: string, sae: Sae): Promise<FeatureRunner> {
  const det = await openDetector(detectorDir, (model, manifest) => {
    if (manifest.detector.hiddenSize !== sae.d_in)
      throw new UsageError(
        `SAE d_in ${sae.d_in} does not match the detector's hidden size ${manifest.detector.hiddenSize}`,
      );
    return appendSaeHead(model, jumpReluHead(sae));
  });
  return {
    manifest: det.manifest,
    tokenizer: det.tokenizer,
    width: sae.d_sae,
    async run(text) {
      const { data, ...rest } = await det.run(text, 'features');
      return { ...rest, acts: data };
    },
    release: () => det.release(),
  };
}
