// Per-output-channel symmetric int8 quantization of a [in, out] row-major weight matrix.
// Symmetric (zero point 0) keeps MatMulInteger's weight zero point out of the graph.

/** An int8 weight [inDim, outDim] row-major and its per-output-channel scales. */
export interface QuantizedWeight {
  values: Int8Array;
  /** One scale per output column: w ~= values * scale. */
  scales: Float32Array;
}

/**
 * Symmetric per-output-channel int8 quantisation of a row-major [inDim, outDim] weight: scale[o] = max |w[:, o]|
 * / 127, q = round(w / scale).
 */
export function quantizePerChannelInt8(weight: Float32Array, inDim: number, outDim: number): QuantizedWeight {
  const scales = new Float32Array(outDim);
  for (let i = 0; i < inDim; i++) {
    const row = i * outDim;
    for (let o = 0; o < outDim; o++) {
      const a = Math.abs(weight[row + o]);
      if (a > scales[o]) scales[o] = a;
    }
  }
  for (let o = 0; o < outDim; o++) scales[o] = scales[o] > 0 ? scales[o] / 127 : 1;
  const values = new Int8Array(inDim * outDim);
  for (let i = 0; i < inDim; i++) {
    const row = i * outDim;
    for (let o = 0; o < outDim; o++) {
      const q = Math.round(weight[row + o] / scales[o]);
      values[row + o] = q > 127 ? 127 : q < -127 ? -127 : q;
    }
  }
  return { values, scales };
}
