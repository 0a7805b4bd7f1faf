// The detector's residual stream itself (no SAE), pooled to words and prompts: what a linear probe
// reads when detectors are compared before any SAE is trained on them.
import * as ort from 'onnxruntime-node';
import { GlossTokenizer } from '../../src/core/tokenizer.ts';
import { readManifest, readVerified, readVerifiedJson } from '../../src/core/bundle/source.ts';
import { folderSource } from '../../src/runtime/node/fs-source.ts';
import type { Manifest } from '../../src/core/bundle/manifest.ts';
import { UsageError } from '../errors.ts';

/** A text's tokens with offsets and the hidden state after the detector's cut layer. */
export interface TextResid {
  offsets: [number, number][];
  /** Row-major [tokens, d]. */
  resid: Float32Array;
}

/** Runs a detector folder's graph (`input_ids` -> `resid`); release() frees the session. */
export interface ResidRunner {
  readonly manifest: Manifest;
  readonly d: number;
  run(text: string): Promise<TextResid>;
  release(): Promise<void>;
}

/**
 * Opens a detector folder (build-detector's output) on onnxruntime-node. Texts are cut at the
 * detector's `maxTokens` (256 where it names none). Throws UsageError for an unreadable folder.
 */
export async function createResidRunner(detectorDir: string): Promise<ResidRunner> {
  const source = folderSource(detectorDir);
  const manifest = await readManifest(source).catch((e) => {
    throw new UsageError(`detector ${detectorDir}: ${(e as Error).message}`);
  });
  const tokenizer = new GlossTokenizer(await readVerifiedJson<object>(source, manifest, 'tokenizer.json'));
  const session = await ort.InferenceSession.create(await readVerified(source, manifest, 'detector.onnx'), {
    graphOptimizationLevel: 'all',
  });
  const maxTokens = manifest.detector.maxTokens ?? 256;
  const d = manifest.detector.hiddenSize;
  return {
    manifest,
    d,
    async run(text) {
      const enc = tokenizer.encode(text);
      const ids = enc.ids.slice(0, maxTokens);
      if (!ids.length) return { offsets: [], resid: new Float32Array(0) };
      const feed = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) };
      const out = await session.run(feed, ['resid']);
      return { offsets: enc.offsets.slice(0, ids.length), resid: out.resid.data as Float32Array };
    },
    release: () => session.release(),
  };
}

/**
 * Mean and max over the tokens overlapping the character span [start, end), concatenated: a
 * vector of 2d. Tokens without surface (BOS, special tokens) never overlap. Zeros when no token
 * overlaps (the span was cut off by maxTokens).
 */
export function spanPooled(r: TextResid, d: number, span: [number, number]): Float32Array {
  const out = new Float32Array(2 * d);
  const max = out.subarray(d).fill(-Infinity);
  let n = 0;
  r.offsets.forEach(([s, e], t) => {
    if (!(e > s && e > span[0] && s < span[1])) return;
    n++;
    for (let j = 0; j < d; j++) {
      const v = r.resid[t * d + j];
      out[j] += v;
      if (v > max[j]) max[j] = v;
    }
  });
  if (!n) return out.fill(0);
  for (let j = 0; j < d; j++) out[j] /= n;
  return out;
}

/**
 * Mean over the tokens with a surface (BOS and other special tokens left out: an LLM's first
 * position carries outsized activations, the attention sink). Zeros for an empty text.
 */
export function promptPooled(r: TextResid, d: number): Float32Array {
  const out = new Float32Array(d);
  let n = 0;
  r.offsets.forEach(([s, e], t) => {
    if (e <= s) return;
    n++;
    for (let j = 0; j < d; j++) out[j] += r.resid[t * d + j];
  });
  if (n) for (let j = 0; j < d; j++) out[j] /= n;
  return out;
}
