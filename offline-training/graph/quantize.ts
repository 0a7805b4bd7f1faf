// Per-output-channel symmetric int8 quantization of a [in, out] row-major weight matrix.
// Symmetric (zero point 0) keeps MatMulInteger's weight zero point out of the graph.
//
// Why 7 bits by default (weights in -63..63), measured on USE-lite and stories260K:
// the `integer` form feeds uint8 activations (DynamicQuantizeLinear, 0..255) and int8 weights to
// MatMulInteger. On x86 CPUs without VNNI (AVX2, plain AVX-512), onnxruntime's U8S8 kernel uses
// VPMADDUBSW, which adds each pair of u8 x s8 products in 16 bits with saturation:
// 2 x 255 x 127 = 64770 > 32767, so large activations were clipped and the same graph answered
// differently per CPU class (USE-lite int8 cosine 0.95-0.97 on AVX2 vs 0.9986 on VNNI; Node and
// WASM fired different rules). With |w| <= 63, 2 x 255 x 63 = 32130 <= 32767: no pair can
// saturate, every kernel (AVX2, AVX-512, VNNI, ARM, WASM SIMD) computes the same exact int32 sums.
// onnxruntime's quantization guide recommends exactly this ("reduce_range", 7-bit weights) for
// U8S8 on such CPUs. The alternatives measured in `npm run bench -- detector`: U8U8 (uint8 weights
// with zero point 128, also saturation-free, full 8-bit precision, but a slower kernel on x86)
// and weight-only `dequantize` (fp32 arithmetic; no saturation question at all, 8 bits).

/** Largest |q| for b-bit symmetric weights: 63 for 7 bits, 127 for 8. */
export function symmetricMax(bits: 7 | 8): number {
  return (1 << (bits - 1)) - 1;
}

/**
 * The largest magnitude a pair of u8 x s8 products reaches in a VPMADDUBSW-style 16-bit lane for
 * b-bit weights: saturation-free iff it is at most 32767.
 */
export function u8s8PairMax(bits: 7 | 8): number {
  return 2 * 255 * symmetricMax(bits);
}

/** int8 weight values [inDim, outDim] row-major, with one float32 scale per output column. */
export interface QuantizedWeight {
  values: Int8Array;
  /** One scale per output column: w ~= values * scale. */
  scales: Float32Array;
}

/**
 * Per-output-channel symmetric quantization of W [inDim, outDim] (row-major) to `bits`-bit
 * integers stored as int8: values in -(2^(bits-1)-1)..(2^(bits-1)-1), scale = max|W[:, o]| / qmax.
 * An all-zero column gets scale 1 (values 0).
 * @param bits 7 (default: saturation-free on every U8S8 kernel, see above) or 8.
 * @throws RangeError when weight.length is not inDim * outDim.
 */
export function quantizePerChannelInt8(
  weight: Float32Array,
  inDim: number,
  outDim: number,
  bits: 7 | 8 = 7,
): QuantizedWeight {
  if (weight.length !== inDim * outDim)
    throw new RangeError(`quantize: ${weight.length} weights, expected ${inDim}x${outDim}`);
  const qmax = symmetricMax(bits);
  const scales = new Float32Array(outDim);
  for (let i = 0; i < inDim; i++) {
    const row = i * outDim;
    for (let o = 0; o < outDim; o++) {
      const a = Math.abs(weight[row + o]);
      if (a > scales[o]) scales[o] = a;
    }
  }
  for (let o = 0; o < outDim; o++) scales[o] = scales[o] > 0 ? scales[o] / qmax : 1;
  const values = new Int8Array(inDim * outDim);
  for (let i = 0; i < inDim; i++) {
    const row = i * outDim;
    for (let o = 0; o < outDim; o++) {
      const q = Math.round(weight[row + o] / scales[o]);
      values[row + o] = q > qmax ? qmax : q < -qmax ? -qmax : q;
    }
  }
  return { values, scales };
}
