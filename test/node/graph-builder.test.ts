// Known-answer tests of the graph builder: shapes it infers, errors it raises, and numbers
// onnxruntime computes from the graphs it writes.
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, GraphBuildError } from '../../offline-training/graph/builder.ts';
import { quantizePerChannelInt8, symmetricMax, u8s8PairMax } from '../../offline-training/graph/quantize.ts';
import { existsSync, readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { buildLlama } from '../../offline-training/graph/llama/index.ts';
import { STORIES_GGUF } from '../helpers/parity-graphs.ts';

function matmulRef(x: Float32Array, w: Float32Array, rows: number, inDim: number, outDim: number): Float32Array {
  const y = new Float32Array(rows * outDim);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outDim; o++) {
      let s = 0;
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[i * outDim + o];
      y[r * outDim + o] = s;
    }
  return y;
}

function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

describe('GraphBuilder shapes and errors', () => {
  it('infers broadcast, matmul, reshape and transpose shapes with symbolic dims', () => {
    const gb = new GraphBuilder('shapes');
    const x = gb.input('x', 'float32', [1, 'T', 8]);
    const h = gb.reshape(x, [1, -1, 2, 4]);
    expect(h.shape).toEqual([1, 'T', 2, 4]);
    expect(gb.transpose(h, [0, 2, 1, 3]).shape).toEqual([1, 2, 'T', 4]);
    expect(gb.matmul(x, gb.init('w', new Float32Array(24), [8, 3])).shape).toEqual([1, 'T', 3]);
    expect(gb.add(x, gb.constF32(new Array(8).fill(0), [8])).shape).toEqual([1, 'T', 8]);
    expect(gb.reduceMean(x, [-1], false).shape).toEqual([1, 'T']);
    expect(gb.gather(gb.init('emb', new Float32Array(40), [5, 8]), gb.input('ids', 'int64', [1, 'T'])).shape).toEqual([
      1,
      'T',
      8,
    ]);
  });

  it('rejects mismatched shapes, dtypes and duplicate names with messages naming the op', () => {
    const gb = new GraphBuilder('bad');
    const x = gb.input('x', 'float32', [1, 'T', 8]);
    expect(() => gb.matmul(x, gb.init('w', new Float32Array(21), [7, 3]))).toThrow(/MatMul: inner dims differ/);
    expect(() => gb.add(x, gb.constF32([1, 2, 3]))).toThrow(/cannot broadcast/);
    expect(() => gb.add(x, gb.constI64([1]))).toThrow(/dtype mismatch/);
    expect(() => gb.init('w2', new Float32Array(5), [2, 3])).toThrow(/5 values for shape \[2, 3\]/);
    expect(() => gb.input('x', 'float32', [1])).toThrow(GraphBuildError);
    expect(() => gb.transpose(x, [0, 0, 1])).toThrow(/bad perm/);
    expect(() => gb.linear(x, new Float32Array(16), 4, 4, undefined, 'l')).toThrow(/does not end in 4/);
    expect(() => new GraphBuilder('empty').toBytes()).toThrow(/no outputs/);
  });
});

describe('GraphBuilder graphs run on onnxruntime-node with known answers', () => {
  it('linear (fp32 and both int8 forms), layerNorm, rmsNorm, softmax', async () => {
    const T = 5,
      inDim = 16,
      outDim = 12;
    const gb = new GraphBuilder('known');
    const x = gb.input('x', 'float32', [1, 'T', inDim]);
    const w = seeded(inDim * outDim, 7);
    const b = seeded(outDim, 8);
    gb.output(gb.linear(x, w, inDim, outDim, b, 'fp32'), 'y');
    gb.output(gb.linear(x, w, inDim, outDim, undefined, 'q', { int8: true, int8Form: 'integer' }), 'yq');
    gb.output(gb.linear(x, w, inDim, outDim, undefined, 'd', { int8: true, int8Form: 'dequantize' }), 'yd');
    gb.output(gb.linear(x, w, inDim, outDim, undefined, 'u', { int8: true, int8Form: 'integer-u8' }), 'yu');
    gb.output(
      gb.layerNorm(x, gb.constF32(new Array(inDim).fill(1)), gb.constF32(new Array(inDim).fill(0)), 1e-5),
      'ln',
    );
    gb.output(gb.rmsNorm(x, gb.constF32(new Array(inDim).fill(2)), 1e-6), 'rms');
    gb.output(gb.softmax(x, -1), 'sm');
    const session = await ort.InferenceSession.create(gb.toBytes());
    const xs = seeded(T * inDim, 9).map((v) => v * 4);
    const out = await session.run({ x: new ort.Tensor('float32', xs, [1, T, inDim]) });

    const ref = matmulRef(xs, w, T, inDim, outDim);
    const y = out.y.data as Float32Array;
    for (let i = 0; i < ref.length; i++) expect(y[i]).toBeCloseTo(ref[i] + b[i % outDim], 5);
    // int8: error bounded by weight and activation rounding, far below the signal.
    const maxRef = Math.max(...ref.map(Math.abs));
    for (const k of ['yq', 'yd', 'yu']) {
      const q = out[k].data as Float32Array;
      const err = Math.max(...Array.from(ref, (r, i) => Math.abs(r - q[i])));
      expect(err / maxRef).toBeLessThan(0.03);
    }
    for (let t = 0; t < T; t++) {
      const row = xs.subarray(t * inDim, (t + 1) * inDim);
      const mean = row.reduce((a, v) => a + v, 0) / inDim;
      const varr = row.reduce((a, v) => a + (v - mean) ** 2, 0) / inDim;
      const ms = row.reduce((a, v) => a + v * v, 0) / inDim;
      const sumExp = row.reduce((a, v) => a + Math.exp(v), 0);
      for (let i = 0; i < inDim; i++) {
        expect((out.ln.data as Float32Array)[t * inDim + i]).toBeCloseTo((row[i] - mean) / Math.sqrt(varr + 1e-5), 4);
        expect((out.rms.data as Float32Array)[t * inDim + i]).toBeCloseTo((2 * row[i]) / Math.sqrt(ms + 1e-6), 4);
        expect((out.sm.data as Float32Array)[t * inDim + i]).toBeCloseTo(Math.exp(row[i]) / sumExp, 5);
      }
    }
  });

  it('per-channel quantization keeps each column within half a step, in 7 bits unless asked for 8', () => {
    const w = seeded(8 * 6, 3);
    for (const bits of [7, 8] as const) {
      const { values, scales } = quantizePerChannelInt8(w, 8, 6, bits);
      expect(Math.max(...values.map(Math.abs))).toBe(symmetricMax(bits)); // each column's max hits the range
      for (let i = 0; i < 8; i++)
        for (let o = 0; o < 6; o++)
          expect(Math.abs(values[i * 6 + o] * scales[o] - w[i * 6 + o])).toBeLessThanOrEqual(scales[o] / 2 + 1e-7);
    }
    expect(Math.max(...quantizePerChannelInt8(w, 8, 6).values.map(Math.abs))).toBe(63);
    expect(() => quantizePerChannelInt8(w, 8, 5)).toThrow(RangeError);
  });

  it('7-bit weights cannot saturate a 16-bit pair of u8 x s8 products (AVX2 VPMADDUBSW); 8-bit ones can', () => {
    expect(u8s8PairMax(7)).toBeLessThanOrEqual(32767);
    expect(u8s8PairMax(8)).toBeGreaterThan(32767);
  });

  it('every int8 MatMul weight of the shipped detector and of an int8 Llama graph lies in -63..63', async () => {
    const graphs: [string, Uint8Array][] = [];
    if (existsSync('models/default/detector.onnx'))
      graphs.push(['models/default', new Uint8Array(readFileSync('models/default/detector.onnx'))]);
    if (existsSync(STORIES_GGUF))
      graphs.push(['stories260K int8', (await buildLlama({ weights: STORIES_GGUF, int8: true })).model]);
    if (graphs.length === 0) return; // both need files this checkout may lack (npm test builds models/default)
    for (const [name, bytes] of graphs) {
      const model = onnxProto.onnx.ModelProto.decode(bytes);
      // The weights MatMulInteger multiplies (an int8 embedding table is gathered, not multiplied).
      const weights = new Set(model.graph!.node!.filter((n) => n.opType === 'MatMulInteger').map((n) => n.input![1]));
      const int8 = model.graph!.initializer!.filter((t) => weights.has(t.name!) && t.dataType === 3);
      expect(int8.length, name).toBeGreaterThan(0);
      for (const t of int8) {
        const raw = t.rawData!;
        const v = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
        let max = 0;
        for (const x of v) max = Math.max(max, Math.abs(x));
        expect(max, `${name}: ${t.name}`).toBeLessThanOrEqual(63);
      }
    }
  });
});
