// The trained part of a bundle that is small enough to commit: the SAE encoder rows of the rule
// features only, their JumpReLU thresholds and b_dec, as one safetensors file. With the detector
// rebuilt from the npm weights it reproduces the bundle's detector.onnx.
import { readFile, writeFile } from 'node:fs/promises';
import { encodeSafetensors, parseSafetensors, tensorToF32 } from '../sae/safetensors.ts';
import type { SaeHead } from '../graph/sae-head.ts';

/** A bundle's SAE head (the rule latents' encoder rows) with the SAE latent id of each column. */
export interface HeadFile {
  head: SaeHead;
  /** SAE latent ids of the head's columns, in column order. */
  features: number[];
}

/**
 * Writes a head as safetensors (W_enc [dIn, F], as F16 for a float16 head; b_enc [F], b_dec [dIn], threshold [F]).
 * @param extraMetadata more string metadata (for example which detector form the thresholds belong to)
 */
export async function saveHead(path: string, h: HeadFile, extraMetadata: Record<string, string> = {}): Promise<void> {
  const F = h.features.length;
  const bytes = encodeSafetensors(
    {
      W_enc: { dtype: h.head.f16 ? 'F16' : 'F32', shape: [h.head.dIn, F], data: h.head.wEnc },
      b_enc: { dtype: 'F32', shape: [F], data: h.head.bEnc },
      b_dec: { dtype: 'F32', shape: [h.head.dIn], data: h.head.bDec },
      threshold: { dtype: 'F32', shape: [F], data: h.head.threshold },
    },
    { format: 'gloss-sae-head', features: JSON.stringify(h.features), ...extraMetadata },
  );
  await writeFile(path, bytes);
}

/**
 * Reads a head written by saveHead (safetensors: W_enc [dIn, F], b_enc [F], b_dec [dIn], threshold [F], metadata
 * `features`).
 * @throws Error when a tensor or the features list is missing or W_enc's columns do not match it.
 */
export async function loadHead(path: string): Promise<HeadFile> {
  const file = parseSafetensors(new Uint8Array(await readFile(path)), path);
  const t = (name: string) => {
    const x = file.tensors.get(name);
    if (!x) throw new Error(`${path}: no tensor ${name}`);
    return x;
  };
  const features = JSON.parse(file.metadata?.features ?? 'null') as number[] | null;
  if (!Array.isArray(features)) throw new Error(`${path}: no features list in its metadata`);
  const wEnc = t('W_enc');
  const [dIn, F] = wEnc.shape;
  if (F !== features.length) throw new Error(`${path}: W_enc has ${F} columns for ${features.length} features`);
  return {
    features,
    head: {
      dIn,
      wEnc: tensorToF32(wEnc, 'W_enc'),
      bEnc: tensorToF32(t('b_enc'), 'b_enc'),
      bDec: tensorToF32(t('b_dec'), 'b_dec'),
      threshold: tensorToF32(t('threshold'), 'threshold'),
      // A float16 W_enc was a float16 head: rebuilding it so gives the same detector bytes.
      ...(wEnc.dtype === 'F16' ? { f16: true } : {}),
    },
  };
}
