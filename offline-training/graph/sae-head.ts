// Adds an SAE encoder head to a detector graph: features = JumpReLU((resid * scale - b_dec) @ W_enc
// + b_enc) for the kept latents only. Per-latent JumpReLU thresholds (not TopK) let the edge run
// any subset of latents independently of the rest.
import { GraphBuilder, type Value } from './builder.ts';

/** The SAE rows a bundle keeps: W_enc [d_in, F] row-major, b_enc [F], b_dec [d_in], JumpReLU threshold [F]. */
export interface SaeHead {
  dIn: number;
  /** Encoder columns of the kept latents, row-major [dIn, F]. */
  wEnc: Float32Array;
  bEnc: Float32Array;
  bDec: Float32Array;
  threshold: Float32Array;
  /** Input normalisation the SAE was trained with: x * scale (1 when none). */
  inputScale?: number;
  int8?: boolean;
  /** float16 W_enc storage, cast to float32 in the graph: half the bytes of a wide head, fp32 arithmetic. */
  f16?: boolean;
}

/**
 * Appends a JumpReLU SAE head to a detector graph: a `features` output [1, T, F] = JumpReLU((resid - b_dec)
 * W_enc + b_enc, threshold) for the head's F latents (int8 W_enc with `head.int8`, float16 storage with `head.f16`). Throws when the head's
 * shapes disagree.
 */
export function appendSaeHead(detector: Uint8Array, head: SaeHead): Uint8Array {
  const F = head.bEnc.length;
  if (head.wEnc.length !== head.dIn * F)
    throw new Error(`SAE head: W_enc has ${head.wEnc.length} values, expected ${head.dIn} x ${F}`);
  if (head.threshold.length !== F) throw new Error(`SAE head: ${head.threshold.length} thresholds for ${F} latents`);
  if (head.bDec.length !== head.dIn)
    throw new Error(`SAE head: b_dec has ${head.bDec.length} values, expected ${head.dIn}`);
  const gb = GraphBuilder.fromModel(detector);
  const resid = gb.existing('resid');
  const last = resid.shape[resid.shape.length - 1];
  if (typeof last === 'number' && last !== head.dIn)
    throw new Error(`SAE head expects d_in ${head.dIn} but the detector's resid is ${last} wide`);
  let x: Value = resid;
  if (head.inputScale !== undefined && head.inputScale !== 1) x = gb.mul(x, gb.constF32(head.inputScale));
  x = gb.sub(x, gb.init('sae.b_dec', head.bDec, [head.dIn]));
  const pre = gb.linear(x, head.wEnc, head.dIn, F, head.bEnc, 'sae.enc', { int8: head.int8, float16: head.f16 });
  const on = gb.greater(pre, gb.init('sae.threshold', head.threshold, [F]));
  const features = gb.where(on, pre, gb.constF32(0));
  gb.output(features, 'features');
  return gb.toBytes();
}
