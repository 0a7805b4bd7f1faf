// The detector's residual stream itself (no SAE), pooled to words and prompts: what a linear probe
// reads when detectors are compared before any SAE is trained on them.
import type { Manifest } from '../../src/core/bundle/manifest.ts';
import { openDetector } from '../sae/feature-runner.ts';

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
  const det = await openDetector(detectorDir);
  return {
    manifest: det.manifest,
    d: det.manifest.detector.hiddenSize,
    async run(text) {
      const { offsets, data } = await det.run(text, 'resid');
      return { offsets, resid: data };
    },
    release: () => det.release(),
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
