// Universal Sentence Encoder lite ("KonaTransformer", TF-Hub universal-sentence-encoder-lite/1 as a
// TensorFlow.js graph model) rebuilt as an ONNX graph over the ids of one text.
//
// What the TF graph computes (read off model.json; checked against tfjs in the tests):
//   inputs: sparse `indices` [N, 2] (text, position) and `values` [N] (SentencePiece ids, used
//     as they are: no offset). Positions >= 128 are dropped (ClipToMaxLength); SparseToDense with
//     -1 padding, mask = ids > -1. All per-token work runs on the gathered valid tokens and is
//     scattered back, so padding never leaks into real tokens; attention adds -1e9 to padded keys.
//   embedding: e = Embeddings_en[id] (8002 x 256).
//   AddTimingSignal: t[p] = [sin(p * inv), cos(p * inv)], inv = 128 inverse timescales from 1 to
//     1e-4 (a stored constant). The stack's input is Encode/Scatter + AddTimingSignal/Scatter =
//     e + (e + t): the embedding is counted twice, x0 = 2e + t (Layer_0/add).
//   Layer_0 (256 in, 512 out), pre-norm:
//     a  = MHA(LN(x0)): qkv 1x1 conv 256 -> 3 x 256, 4 heads x 64, q * 1/8, softmax, out 256 -> 512
//     x1 = a + Dense(x0) (AdjustResidualInput: 256 -> 512 projection of the un-normed input)
//     x2 = x1 + FFN(LN(x1)), FFN = 512 -> 1536 ReLU -> 512
//   Layer_1 (512): x3 = x2 + MHA(LN(x2)) (4 heads x 128, q * 1/sqrt(128)), x4 = x3 + FFN(LN(x3)).
//   No final LayerNorm. LayerNorm: eps 1e-6, biased variance, learned scale and bias.
//   combiner: mean of x4 over the valid tokens (sum / max(len, 1)), then tanh(m W + b) (512 x 512),
//     then l2-normalized (x * rsqrt(max(sum x^2, 1e-12))): the 512-d embedding.
//
// Here: input_ids int64 [1, T] (one text, no padding, so no mask); positions 0..T-1 from a Range,
// timing signal computed in the graph from the stored inverse timescales like TF does (any T works;
// the TF graph drops tokens past 128, so `embedding` matches the package for T <= 128 only).
// `resid` after L layers: L = 0 is x0 (256 wide), L = 1 is x2 and L = 2 is x4 (512 wide).
import { GraphBuilder, type Value, type Int8Form } from '../builder.ts';
import type { TfjsModelJson, TfjsNode, TfjsTensor } from './tfjs-weights.ts';

/** The USE-lite weights do not have the shape the graph expects, or the layer is out of range. */
export class UseLiteGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UseLiteGraphError';
  }
}

const ROOT = 'module_apply_default/Encoder_en/KonaTransformer';
const ENC = `${ROOT}/Encode`;
const STACK = `${ENC}/TransformerStack`;

/** One USE-lite transformer block's weights. */
export interface UseLiteLayer {
  dIn: number;
  dModel: number;
  heads: number;
  headDim: number;
  qScale: number;
  ffn: number;
  lnAttn: { scale: Float32Array; bias: Float32Array };
  lnFfn: { scale: Float32Array; bias: Float32Array };
  qkv: { w: Float32Array; b: Float32Array };
  out: { w: Float32Array; b: Float32Array };
  /** Residual projection when dIn != dModel. */
  resProj?: { w: Float32Array; b: Float32Array };
  ffn1: { w: Float32Array; b: Float32Array };
  ffn2: { w: Float32Array; b: Float32Array };
}

/** All USE-lite weights the graph needs: embeddings, blocks, final norm. */
export interface UseLiteWeights {
  vocabSize: number;
  embDim: number;
  embeddings: Float32Array;
  invTimescales: Float32Array;
  /** Multiplier of the token embedding in the stack input (2: see the header). */
  embeddingCount: number;
  lnEps: number;
  maxLength: number;
  layers: UseLiteLayer[];
  tanh: { w: Float32Array; b: Float32Array };
  l2Eps: number;
}

/** Reads the architecture's weights and hyperparameters from the tfjs model, checking structure. */
export function useLiteFromTfjs(model: TfjsModelJson, tensors: Map<string, TfjsTensor>): UseLiteWeights {
  const lk = tfjsLookup(model, tensors);
  const { tensor, f32, scalar } = lk;
  const emb = tensor('module/Embeddings_en', [-1, -1]);
  const [vocabSize, embDim] = emb.shape;
  const invTimescales = f32(`${STACK}/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`, [1, embDim / 2]);
  checkEncoderInputWiring(lk);
  const embeddingCount = 2;

  const lnEps = scalar(`${STACK}/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`);
  const maxLength = scalar(`${ROOT}/ClipToMaxLength/Less/y`);

  const layers: UseLiteLayer[] = [];
  let width = embDim;
  for (const i of encoderLayerIds(tensors)) {
    const layer = readUseLiteLayer(lk, i, width);
    layers.push(layer);
    width = layer.dModel;
  }
  return {
    vocabSize,
    embDim,
    embeddings: emb.data as Float32Array,
    invTimescales,
    embeddingCount,
    lnEps,
    maxLength,
    layers,
    tanh: {
      w: f32('module/Encoder_en/hidden_layers/tanh_layer_0/weights', [width, -1]),
      b: f32('module/Encoder_en/hidden_layers/tanh_layer_0/bias'),
    },
    l2Eps: scalar('module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y'),
  };
}

/** Checked lookups into the tfjs graph and weights, so each step reports a missing or misshapen entry the same way. */
interface TfjsLookup {
  node(name: string, op?: string): TfjsNode;
  /** shape: expected dims, -1 for any. */
  tensor(name: string, shape?: number[]): TfjsTensor;
  f32(name: string, shape?: number[]): Float32Array;
  scalar(name: string): number;
}

/** Builds the TfjsLookup over model's nodes and tensors; throws UseLiteGraphError if the model has no nodes. */
function tfjsLookup(model: TfjsModelJson, tensors: Map<string, TfjsTensor>): TfjsLookup {
  const nodes = new Map<string, TfjsNode>((model.modelTopology?.node ?? []).map((n) => [n.name, n]));
  if (nodes.size === 0) throw new UseLiteGraphError('model.json has no modelTopology nodes');
  const node = (name: string, op?: string): TfjsNode => {
    const n = nodes.get(name);
    if (!n) throw new UseLiteGraphError(`model.json: node ${name} not found (not a USE-lite graph?)`);
    if (op && n.op !== op) throw new UseLiteGraphError(`model.json: node ${name} is ${n.op}, expected ${op}`);
    return n;
  };
  const tensor = (name: string, shape?: number[]): TfjsTensor => {
    const t = tensors.get(name);
    if (!t) throw new UseLiteGraphError(`weights: ${name} not found (not a USE-lite graph?)`);
    if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => shape[i] >= 0 && d !== shape[i]))) {
      throw new UseLiteGraphError(`weights: ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return t;
  };
  const f32 = (name: string, shape?: number[]) => {
    const t = tensor(name, shape);
    if (t.dtype !== 'float32') throw new UseLiteGraphError(`weights: ${name} is ${t.dtype}, expected float32`);
    return t.data as Float32Array;
  };
  const scalar = (name: string): number => {
    const t = tensor(name);
    if (t.data.length !== 1) throw new UseLiteGraphError(`weights: ${name} is not a scalar`);
    return t.data[0];
  };
  return { node, tensor, f32, scalar };
}

/**
 * Checks the stack input wiring rather than assuming it: Layer_0/add = Encode/Scatter (the embeddings) +
 * AddTimingSignal/Scatter, and the latter scatters AddTimingSignal/add = GatherNd(Encode/Scatter) + timing,
 * so the embeddings enter twice (UseLiteWeights.embeddingCount).
 */
function checkEncoderInputWiring({ node }: TfjsLookup): void {
  const embScatter = `${ENC}/Scatter/ScatterNd`;
  const timingScatter = `${STACK}/Layer_0/AddTimingSignal/Scatter/ScatterNd`;
  const wired =
    sameSet(node(`${STACK}/Layer_0/add`, 'Add').input, [embScatter, timingScatter]) &&
    node(timingScatter, 'ScatterNd').input?.[1] === `${STACK}/Layer_0/AddTimingSignal/add` &&
    sameSet(node(`${STACK}/Layer_0/AddTimingSignal/add`, 'Add').input, [
      `${STACK}/Layer_0/AddTimingSignal/Gather/GatherNd`,
      `${STACK}/Layer_0/AddTimingSignal/TimingSignal/concat`,
    ]) &&
    node(`${STACK}/Layer_0/AddTimingSignal/Gather/GatherNd`, 'GatherNd').input?.[0] === embScatter;
  if (!wired) throw new UseLiteGraphError(`model.json: unexpected wiring of the encoder input (${STACK}/Layer_0/add)`);
}

/** The transformer layer numbers found in the weight names, which must be exactly 0..n-1. */
function encoderLayerIds(tensors: Map<string, TfjsTensor>): number[] {
  const layerIds = [
    ...new Set(
      [...tensors.keys()]
        .map((k) => /\/Encode\/Layer_(\d+)\//.exec(k)?.[1])
        .filter((x): x is string => x !== undefined),
    ),
  ]
    .map(Number)
    .sort((a, b) => a - b);
  if (layerIds.length === 0 || layerIds.some((id, i) => id !== i)) {
    throw new UseLiteGraphError(`weights: transformer layers ${layerIds.join(', ')} are not numbered 0..n-1`);
  }
  return layerIds;
}

/** Reads transformer layer i (input width `width`) and checks its widths, heads and qkv split agree. */
function readUseLiteLayer({ node, tensor, f32, scalar }: TfjsLookup, i: number, width: number): UseLiteLayer {
  const L = `${ENC}/Layer_${i}/TransformerLayer`;
  const S = `${STACK}/Layer_${i}/TransformerLayer`;
  const K = `module/Encoder_en/KonaTransformer/Encode/Layer_${i}/TransformerLayer`;
  const qkvT = tensor(`${K}/MultiheadAttention/qkv_transform_single/kernel/part_0`, [1, 1, width, -1]);
  const outT = tensor(`${K}/MultiheadAttention/output_transform_single/kernel/part_0`, [1, 1, -1, -1]);
  const attnWidth = outT.shape[2];
  const dModel = outT.shape[3];
  if (qkvT.shape[3] !== 3 * attnWidth)
    throw new UseLiteGraphError(`layer ${i}: qkv width ${qkvT.shape[3]} is not 3 x ${attnWidth}`);
  // Heads and head size: the constants packed into split_heads' Reshape shape.
  const pack = node(`${S}/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape`, 'Pack');
  const [heads, headDim] = (pack.input ?? []).slice(2, 4).map((n) => scalar(n));
  if (!heads || !headDim || heads * headDim !== attnWidth) {
    throw new UseLiteGraphError(
      `layer ${i}: ${heads} heads x ${headDim} does not make the attention width ${attnWidth}`,
    );
  }
  const split = tensor(`${S}/MultiheadAttention/Const`);
  if ([...split.data].some((s) => s !== attnWidth))
    throw new UseLiteGraphError(`layer ${i}: qkv split [${[...split.data]}] is not 3 x ${attnWidth}`);
  const ffn1 = tensor(`${S}/FFN/conv1/Tensordot/Reshape_1`, [dModel, -1]);
  const ffn = ffn1.shape[1];
  const layer: UseLiteLayer = {
    dIn: width,
    dModel,
    heads,
    headDim,
    qScale: scalar(`${S}/MultiheadAttention/mul/y`),
    ffn,
    lnAttn: {
      scale: f32(`${L}/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`, [width]),
      bias: f32(`${L}/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`, [width]),
    },
    lnFfn: {
      scale: f32(`${L}/FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`, [dModel]),
      bias: f32(`${L}/FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`, [dModel]),
    },
    qkv: {
      w: qkvT.data as Float32Array,
      b: f32(`${L}/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`, [3 * attnWidth]),
    },
    out: {
      w: outT.data as Float32Array,
      b: f32(`${L}/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`, [dModel]),
    },
    ffn1: { w: ffn1.data as Float32Array, b: f32(`${L}/FFN/conv1/bias/ConcatPartitions/concat`, [ffn]) },
    ffn2: {
      w: f32(`${S}/FFN/conv2/Tensordot/Reshape_1`, [ffn, dModel]),
      b: f32(`${L}/FFN/conv2/bias/ConcatPartitions/concat`, [dModel]),
    },
  };
  if (attnWidth !== width)
    throw new UseLiteGraphError(`layer ${i}: attention width ${attnWidth} differs from its input width ${width}`);
  if (width !== dModel) {
    layer.resProj = {
      w: f32(`${L}/dense/kernel/ConcatPartitions/concat`, [width, dModel]),
      b: f32(`${L}/dense/bias/ConcatPartitions/concat`, [dModel]),
    };
  }
  return layer;
}

function sameSet(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && b.every((x) => a.includes(x));
}

/** Where to cut the graph, int8 weights, and extra resid outputs after earlier blocks. */
export interface UseLiteGraphOptions {
  /** Truncate after this many layers (0..numLayers): the only output is then `resid`. */
  layer?: number;
  int8?: boolean;
  /** How int8 MatMuls compute (see builder.ts): 'integer' (default) or 'dequantize'. */
  int8Form?: Int8Form;
  /** Weight bits of the 'integer' form (7 by default; 8 only to measure why not: see quantize.ts). */
  weightBits?: 7 | 8;
  /** Also output `resid_<L>` (hidden state after L layers) for these L (tests). */
  extraResidOutputs?: number[];
}

/** The ONNX model bytes, its output names and the width of `resid`. */
export interface BuiltUseLiteGraph {
  model: Uint8Array;
  outputs: string[];
  /** Width of `resid`. */
  residWidth: number;
}

/**
 * The USE-lite transformer as an ONNX graph from its weights: input_ids [1, T] in, `resid` [1, T, 512] after
 * `opts.layer` blocks (or the full encoder). Throws UseLiteGraphError for a layer out of range or a missing
 * weight.
 */
export function buildUseLiteGraph(w: UseLiteWeights, opts: UseLiteGraphOptions = {}): BuiltUseLiteGraph {
  const numLayers = w.layers.length;
  const L = opts.layer ?? numLayers;
  if (!Number.isInteger(L) || L < 0 || L > numLayers) {
    throw new UseLiteGraphError(`layer ${opts.layer} out of range: USE-lite has ${numLayers} layers (0..${numLayers})`);
  }
  const truncated = opts.layer !== undefined;
  const extras = [...new Set(opts.extraResidOutputs ?? [])].sort((a, b) => a - b);
  for (const e of extras) {
    if (!Number.isInteger(e) || e < 0 || e > L)
      throw new UseLiteGraphError(`extra resid output ${e} out of range: graph has ${L} layers (0..${L})`);
  }
  const int8 = Boolean(opts.int8);
  const gb = new GraphBuilder('use-lite', {
    int8Form: opts.int8Form,
    weightBits: opts.weightBits,
    docString: `Universal Sentence Encoder lite, ${truncated ? `resid after layer ${L} of ${numLayers}` : `${numLayers} layers + sentence embedding`}${int8 ? ', int8 weights' : ''}`,
  });
  const ids = gb.input('input_ids', 'int64', [1, 'T']);
  const outputs: string[] = [];

  // Token embeddings, counted twice like the TF graph does.
  const table = int8
    ? int8Rows(gb, 'emb', w.embeddings, w.vocabSize, w.embDim)
    : gb.init('emb.weight', w.embeddings, [w.vocabSize, w.embDim]);
  const e = gb.gather(table, ids, 0); // [1, T, 256]
  // Timing signal from positions 0..T-1 (float32, like TF's ToFloat(position) * inv_timescales).
  const T = gb.gather(gb.shape(ids), gb.constI64(1), 0); // scalar int64
  const pos = gb.cast(gb.range(gb.constI64(0), T, gb.constI64(1), 'T'), 'float32'); // [T]
  const scaled = gb.mul(
    gb.unsqueeze(pos, [1]),
    gb.init('timing.inv_timescales', w.invTimescales, [1, w.invTimescales.length]),
  ); // [T, 128]
  const timing = gb.concat([gb.sin(scaled), gb.cos(scaled)], 1); // [T, 256]
  let x = gb.add(w.embeddingCount === 1 ? e : gb.mul(e, gb.constF32(w.embeddingCount)), timing); // [1, T, 256]

  const residOut = (v: Value, layerCount: number) => {
    if (extras.includes(layerCount)) {
      gb.output(v, `resid_${layerCount}`);
      outputs.push(`resid_${layerCount}`);
    }
  };
  residOut(x, 0);
  for (let i = 0; i < L; i++) {
    x = transformerLayer(gb, w, i, x, int8);
    residOut(x, i + 1);
  }
  const residWidth = L === 0 ? w.embDim : w.layers[L - 1].dModel;
  if (truncated) {
    gb.output(x, 'resid');
    outputs.push('resid');
  } else {
    // Sentence embedding: mean over tokens (sum / max(T, 1)), tanh layer, l2 normalization.
    const sum = gb.reduceSum(x, [1], false); // [1, d]
    const count = gb.op('Max', [gb.cast(T, 'float32'), gb.constF32(1)], {}, [{ dtype: 'float32', shape: [] }])[0];
    const mean = gb.div(sum, count);
    const d = residWidth;
    const h = gb.tanh(gb.linear(mean, w.tanh.w, d, w.tanh.b.length, w.tanh.b, 'tanh_layer', { int8 }));
    const ss = gb.reduceSum(gb.mul(h, h), [1], true);
    const inv = gb.reciprocal(
      gb.sqrt(gb.op('Max', [ss, gb.constF32(w.l2Eps)], {}, [{ dtype: 'float32', shape: [1, 1] }])[0]),
    );
    gb.output(gb.mul(h, inv), 'embedding');
    outputs.unshift('embedding');
    gb.output(x, 'resid');
    outputs.splice(1, 0, 'resid');
  }
  return { model: gb.toBytes(), outputs, residWidth };
}

function transformerLayer(gb: GraphBuilder, w: UseLiteWeights, i: number, x: Value, int8: boolean): Value {
  const p = w.layers[i];
  const name = `layer${i}`;
  const { heads, headDim } = p;
  const A = heads * headDim;
  const ln = (v: Value, n: { scale: Float32Array; bias: Float32Array }, what: string, d: number) =>
    gb.layerNorm(
      v,
      gb.init(`${name}.${what}.scale`, n.scale, [d]),
      gb.init(`${name}.${what}.bias`, n.bias, [d]),
      w.lnEps,
    );

  // Attention over LN(x).
  const h = ln(x, p.lnAttn, 'ln_attn', p.dIn);
  const qkv = gb.linear(h, p.qkv.w, p.dIn, 3 * A, p.qkv.b, `${name}.qkv`, { int8 }); // [1, T, 3A]
  const split = (k: number) =>
    gb.transpose(gb.reshape(gb.slice(qkv, [k * A], [(k + 1) * A], [2]), [1, -1, heads, headDim]), [0, 2, 1, 3]); // [1, H, T, hd]
  const q = gb.mul(split(0), gb.constF32(p.qScale));
  const k = split(1);
  const v = split(2);
  const scores = gb.matmul(q, gb.transpose(k, [0, 1, 3, 2])); // [1, H, T, T]
  const att = gb.matmul(gb.softmax(scores, -1), v); // [1, H, T, hd]
  const merged = gb.reshape(gb.transpose(att, [0, 2, 1, 3]), [1, -1, A]); // [1, T, A]
  const o = gb.linear(merged, p.out.w, A, p.dModel, p.out.b, `${name}.attn_out`, { int8 });
  const res = p.resProj ? gb.linear(x, p.resProj.w, p.dIn, p.dModel, p.resProj.b, `${name}.res_proj`, { int8 }) : x;
  const x1 = gb.add(o, res);

  // Feed-forward over LN(x1).
  const f = gb.relu(
    gb.linear(ln(x1, p.lnFfn, 'ln_ffn', p.dModel), p.ffn1.w, p.dModel, p.ffn, p.ffn1.b, `${name}.ffn1`, { int8 }),
  );
  return gb.add(x1, gb.linear(f, p.ffn2.w, p.ffn, p.dModel, p.ffn2.b, `${name}.ffn2`, { int8 }));
}

/**
 * An embedding table stored as int8 rows with one scale per row, dequantized in the graph
 * (Cast + Mul on initializers only, so onnxruntime folds it into a float table at load time).
 */
function int8Rows(gb: GraphBuilder, name: string, table: Float32Array, rows: number, cols: number): Value {
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(table[r * cols + c]));
    const s = max > 0 ? max / 127 : 1;
    scales[r] = s;
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(table[r * cols + c] / s)));
  }
  const wq = gb.init(`${name}.weight_int8`, q, [rows, cols], 'int8');
  const sc = gb.init(`${name}.row_scale`, scales, [rows, 1], 'float32');
  return gb.mul(gb.cast(wq, 'float32'), sc);
}
