// Recalibration of thresholds after the detector's numerics change (for example a new int8 form):
// the SAE dictionary stays, and each threshold moves so that it fires on the same share of the
// calibration tokens as before. A threshold was chosen for the decisions it makes (JumpReLU
// thresholds reproduce TopK on/off decisions; rule thresholds were reviewed for precision), so
// keeping each one's firing rate keeps those decisions wherever the change is noise-like.
import type { SaeHead } from '../graph/sae-head.ts';

/**
 * SAE pre-activations of a head: (x - b_dec) W_enc + b_enc.
 * @param rows residual-stream rows, row-major [n, dIn] (float32)
 * @returns row-major [n, F] pre-activations (before the JumpReLU)
 * @throws RangeError when rows.length is not a multiple of head.dIn
 */
export function headPreActivations(head: SaeHead, rows: Float32Array): Float32Array {
  const d = head.dIn;
  const F = head.bEnc.length;
  if (rows.length % d !== 0) throw new RangeError(`recalibrate: ${rows.length} values are not rows of ${d}`);
  const n = rows.length / d;
  const out = new Float32Array(n * F);
  const centred = new Float32Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) centred[i] = rows[r * d + i] - head.bDec[i];
    for (let f = 0; f < F; f++) {
      let s = head.bEnc[f];
      for (let i = 0; i < d; i++) s += centred[i] * head.wEnc[i * F + f];
      out[r * F + f] = s;
    }
  }
  return out;
}

/**
 * The threshold t' on `after` that fires (value >= t') on as many values as `threshold` fires on
 * `before`: halfway between the k-th and (k+1)-th largest of `after`, where k is the count before.
 * With k = 0 the threshold is kept if nothing reaches it after either, else placed just above the
 * largest value; with k = n, just below the smallest.
 * @param before, after the same quantity for the same tokens under the old and the new numerics
 * @throws RangeError when the two arrays differ in length or are empty
 */
export function rateMatchedThreshold(before: ArrayLike<number>, threshold: number, after: ArrayLike<number>): number {
  if (before.length !== after.length || before.length === 0)
    throw new RangeError(`recalibrate: ${before.length} values before, ${after.length} after`);
  let k = 0;
  for (let i = 0; i < before.length; i++) if (before[i] >= threshold) k++;
  const sorted = Float64Array.from(after).sort().reverse(); // descending
  const n = sorted.length;
  if (k === 0) return sorted[0] < threshold ? threshold : sorted[0] + Math.abs(sorted[0]) * 1e-6 + 1e-6;
  if (k === n) return sorted[n - 1] - Math.abs(sorted[n - 1]) * 1e-6 - 1e-6;
  return (sorted[k - 1] + sorted[k]) / 2;
}

/** One column of a row-major [n, F] matrix. */
export function column(m: Float32Array, F: number, f: number): Float32Array {
  const n = m.length / F;
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) out[r] = m[r * F + f];
  return out;
}
