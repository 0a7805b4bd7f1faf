// Language-model loss with the SAE spliced in, for Llama-family detectors (the field's measure of
// whether an SAE keeps what the model uses): next-token cross-entropy of the clean model, with the
// hidden state after block L replaced by its SAE reconstruction, and replaced by zeros. SAELens
// reports CE loss recovered = (CE_zero - CE_sae) / (CE_zero - CE_clean).
import * as ort from 'onnxruntime-node';
import { buildLlama } from '../graph/llama/index.ts';
import { decode, encode, type Sae } from './model.ts';
import { SaeError } from './errors.ts';

/**
 * Cross-entropy with the SAE spliced in, clean and zero-ablated, and the fraction recovered (SAELens's CE loss
 * recovered).
 */
export interface SpliceResult {
  layer: number;
  tokens: number;
  ce_clean: number;
  ce_sae: number;
  ce_zero: number;
  ce_loss_recovered: number;
}

function crossEntropy(logits: Float32Array, V: number, ids: readonly number[]): { sum: number; n: number } {
  let sum = 0;
  for (let t = 0; t + 1 < ids.length; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (row[v] > max) max = row[v];
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(row[v] - max);
    sum += Math.log(z) + max - row[ids[t + 1]];
  }
  return { sum, n: Math.max(0, ids.length - 1) };
}

/** `sequences`: token ids (BOS first) of the texts to score. */
export async function ceLossRecovered(
  gguf: string,
  layer: number,
  sae: Sae,
  sequences: readonly number[][],
): Promise<SpliceResult> {
  const full = await buildLlama({ weights: gguf });
  const head = await buildLlama({ weights: gguf, layer });
  const tail = await buildLlama({ weights: gguf, fromLayer: layer });
  const d = full.info.hiddenSize;
  const V = full.info.vocabSize;
  if (sae.d_in !== d) throw new SaeError(`SAE d_in ${sae.d_in} does not match the model's hidden size ${d}`);
  const [sFull, sHead, sTail] = await Promise.all([full, head, tail].map((b) => ort.InferenceSession.create(b.model)));
  const acc = { clean: 0, sae: 0, zero: 0, n: 0 };
  try {
    for (const ids of sequences) {
      if (ids.length < 2) continue;
      const T = ids.length;
      const input_ids = new ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (v) => BigInt(v)),
        [1, T],
      );
      const clean = crossEntropy((await sFull.run({ input_ids })).logits.data as Float32Array, V, ids);
      const resid = (await sHead.run({ input_ids })).resid.data as Float32Array;
      const recon = decode(sae, encode(sae, resid));
      const withSae = (await sTail.run({ input_ids, resid_in: new ort.Tensor('float32', recon, [1, T, d]) })).logits
        .data as Float32Array;
      const withZero = (
        await sTail.run({ input_ids, resid_in: new ort.Tensor('float32', new Float32Array(T * d), [1, T, d]) })
      ).logits.data as Float32Array;
      acc.clean += clean.sum;
      acc.sae += crossEntropy(withSae, V, ids).sum;
      acc.zero += crossEntropy(withZero, V, ids).sum;
      acc.n += clean.n;
    }
  } finally {
    await Promise.all([sFull, sHead, sTail].map((s) => s.release()));
  }
  if (acc.n === 0) throw new SaeError('no sequence of two or more tokens to score');
  const ce_clean = acc.clean / acc.n;
  const ce_sae = acc.sae / acc.n;
  const ce_zero = acc.zero / acc.n;
  return {
    layer,
    tokens: acc.n,
    ce_clean,
    ce_sae,
    ce_zero,
    ce_loss_recovered: (ce_zero - ce_sae) / (ce_zero - ce_clean),
  };
}
